package invoicing

import (
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestScheduleAt(t *testing.T) {
	tests := []struct {
		name string
		s    Schedule
		want []string // periods 0, 1, 2, ...
	}{
		{"daily", Schedule{Interval: IntervalDaily, StartAt: at("2025-02-27T09:30:00Z")},
			[]string{"2025-02-27T09:30:00Z", "2025-02-28T09:30:00Z", "2025-03-01T09:30:00Z"}},
		{"weekly", Schedule{Interval: IntervalWeekly, StartAt: at("2025-12-25T00:00:00Z")},
			[]string{"2025-12-25T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"}},
		{"monthly on the 31st: 30-day months and February take their last day, then the 31st again",
			Schedule{Interval: IntervalMonthly, DayOfMonth: 31, StartAt: at("2025-01-10T08:00:00Z")},
			[]string{"2025-01-31T08:00:00Z", "2025-02-28T08:00:00Z", "2025-03-31T08:00:00Z", "2025-04-30T08:00:00Z", "2025-05-31T08:00:00Z"}},
		{"monthly on the 30th in a leap year's February", Schedule{Interval: IntervalMonthly, DayOfMonth: 30, StartAt: at("2024-01-30T00:00:00Z")},
			[]string{"2024-01-30T00:00:00Z", "2024-02-29T00:00:00Z", "2024-03-30T00:00:00Z"}},
		{"monthly on a day before the start's: from the next month", Schedule{Interval: IntervalMonthly, DayOfMonth: 1, StartAt: at("2025-11-15T12:00:00Z")},
			[]string{"2025-12-01T12:00:00Z", "2026-01-01T12:00:00Z", "2026-02-01T12:00:00Z"}},
		{"monthly on the start's day by default, across the year", Schedule{Interval: IntervalMonthly, StartAt: at("2025-11-05T00:00:00Z")},
			[]string{"2025-11-05T00:00:00Z", "2025-12-05T00:00:00Z", "2026-01-05T00:00:00Z"}},
		{"monthly on the start's day, earlier in the day than the start: next month", Schedule{Interval: IntervalMonthly, DayOfMonth: 5, StartAt: at("2025-11-05T10:00:00Z")},
			[]string{"2025-11-05T10:00:00Z", "2025-12-05T10:00:00Z"}},
		{"yearly from 29 February", Schedule{Interval: IntervalYearly, StartAt: at("2024-02-29T00:00:00Z")},
			[]string{"2024-02-29T00:00:00Z", "2025-02-28T00:00:00Z", "2026-02-28T00:00:00Z", "2027-02-28T00:00:00Z", "2028-02-29T00:00:00Z"}},
		{"a start in another zone is read in UTC", Schedule{Interval: IntervalDaily, StartAt: at("2025-03-01T00:30:00+02:00")},
			[]string{"2025-02-28T22:30:00Z", "2025-03-01T22:30:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for n, w := range tt.want {
				if got := tt.s.At(n); !got.Equal(at(w)) || got.Location() != time.UTC {
					t.Errorf("period %d = %s, want %s", n, got, w)
				}
			}
		})
	}
}

func TestScheduleEnds(t *testing.T) {
	end := at("2025-03-31T08:00:00Z")
	tests := []struct {
		name string
		s    Schedule
		n    int
		want bool
	}{
		{"count 3 has period 2", Schedule{Interval: IntervalDaily, StartAt: at("2025-01-01T00:00:00Z"), Count: 3}, 2, true},
		{"count 3 has no period 3", Schedule{Interval: IntervalDaily, StartAt: at("2025-01-01T00:00:00Z"), Count: 3}, 3, false},
		{"a period at end_at is in", Schedule{Interval: IntervalMonthly, DayOfMonth: 31, StartAt: at("2025-01-01T08:00:00Z"), EndAt: &end}, 2, true},
		{"a period after end_at is out", Schedule{Interval: IntervalMonthly, DayOfMonth: 31, StartAt: at("2025-01-01T08:00:00Z"), EndAt: &end}, 3, false},
		{"no end", Schedule{Interval: IntervalYearly, StartAt: at("2025-01-01T00:00:00Z")}, 500, true},
	}
	for _, tt := range tests {
		if got := tt.s.Has(tt.n); got != tt.want {
			t.Errorf("%s: Has(%d) = %v, want %v", tt.name, tt.n, got, tt.want)
		}
	}
}

func TestScheduleFirstFrom(t *testing.T) {
	s := Schedule{Interval: IntervalDaily, StartAt: at("2025-01-01T09:00:00Z")}
	tests := []struct {
		from int
		now  string
		want int
	}{
		{0, "2024-12-01T00:00:00Z", 0},
		{0, "2025-01-01T09:00:00Z", 0},
		{0, "2025-01-01T09:00:01Z", 1},
		{2, "2025-01-10T10:00:00Z", 10},
		{12, "2025-01-10T10:00:00Z", 12}, // never backwards
	}
	for _, tt := range tests {
		if got := s.FirstFrom(tt.from, at(tt.now)); got != tt.want {
			t.Errorf("FirstFrom(%d, %s) = %d, want %d", tt.from, tt.now, got, tt.want)
		}
	}
}
