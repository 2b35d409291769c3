package invoicing

import "time"

// Intervals of a recurring invoice.
const (
	IntervalDaily   = "daily"
	IntervalWeekly  = "weekly"
	IntervalMonthly = "monthly"
	IntervalYearly  = "yearly"
)

// MaxRecurringCount bounds count: how many periods a schedule may have.
const MaxRecurringCount = 1000

// Schedule says when a recurring invoice's periods fall. Period n (from 0)
// is computed from StartAt alone, never from period n-1, so a short month
// never drifts the periods after it:
//
//   - daily: StartAt + n days; weekly: StartAt + 7n days;
//   - monthly: day DayOfMonth (default StartAt's day) of the n-th month
//     from the first month whose such day is at or after StartAt; a day the
//     month lacks is its last day (31 → 30 in April, → 28 or 29 in
//     February), and the next month has day DayOfMonth again;
//   - yearly: StartAt's month and day n years later; 29 February is
//     28 February in a year that has no 29th.
//
// Every period has StartAt's time of day, in UTC. The schedule ends after
// Count periods, or with the last period at or before EndAt; with neither
// it never ends.
type Schedule struct {
	Interval   string     `json:"interval"`
	DayOfMonth int        `json:"day_of_month,omitempty"`
	StartAt    time.Time  `json:"start_at"`
	EndAt      *time.Time `json:"end_at,omitempty"`
	Count      int        `json:"count,omitempty"`
}

// At is when period n (from 0) falls, whether or not the schedule has
// ended by then.
func (s Schedule) At(n int) time.Time {
	start := s.StartAt.UTC()
	switch s.Interval {
	case IntervalDaily:
		return start.AddDate(0, 0, n)
	case IntervalWeekly:
		return start.AddDate(0, 0, 7*n)
	case IntervalYearly:
		return onDay(start, start.Year()+n, start.Month(), start.Day())
	default: // monthly
		day := s.DayOfMonth
		if day == 0 {
			day = start.Day()
		}
		first := 0
		if onDay(start, start.Year(), start.Month(), day).Before(start) {
			first = 1
		}
		months := int(start.Month()) - 1 + first + n
		return onDay(start, start.Year()+months/12, time.Month(months%12+1), day)
	}
}

// Has reports whether the schedule has a period n: n is below Count and
// its moment is not after EndAt.
func (s Schedule) Has(n int) bool {
	if n < 0 || (s.Count > 0 && n >= s.Count) {
		return false
	}
	return s.EndAt == nil || !s.At(n).After(*s.EndAt)
}

// FirstFrom is the first period from n on whose moment is at or after t.
func (s Schedule) FirstFrom(n int, t time.Time) int {
	for s.At(n).Before(t) && s.Has(n) {
		n++
	}
	return n
}

// onDay is year-month-day at the time of day of tod, in UTC; a day past the
// month's last is its last.
func onDay(tod time.Time, year int, month time.Month, day int) time.Time {
	if last := daysIn(year, month); day > last {
		day = last
	}
	return time.Date(year, month, day, tod.Hour(), tod.Minute(), tod.Second(), tod.Nanosecond(), time.UTC)
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
