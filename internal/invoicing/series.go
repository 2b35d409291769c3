package invoicing

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/facturo/facturo/events"
)

// Series event types.
const (
	SeriesCreated = "series.created"
	SeriesUpdated = "series.updated"
)

// seriesEvents are the event types of invoice series.
var seriesEvents = []events.TypeInfo{
	{Name: SeriesCreated, Description: "An invoice series was created."},
	{Name: SeriesUpdated, Description: "An invoice series' prefix or next number changed; data holds the whole series."},
}

// DefaultSeries is the series of an invoice that names none. It is the
// only series that need not have been created: issuing in it without a
// Series stream numbers from 1 and writes the number as "A-1". An invoice
// that names any other series must name one created with POST /v1/series.
const DefaultSeries = "A"

// MaxFolio is the highest number a series gives: next_number is 1 to
// MaxFolio, so counting on from it can never overflow.
const MaxFolio int64 = 999_999_999_999

// SeriesCode normalizes the series an input names: trimmed, upper case,
// DefaultSeries when empty.
func SeriesCode(s string) string {
	return orDefault(strings.ToUpper(strings.TrimSpace(s)), DefaultSeries)
}

// ValidSeriesCode reports whether code (normalized) is shaped like a series
// code.
func ValidSeriesCode(code string) bool { return seriesCodePattern.MatchString(code) }

// SeriesInput is the body of POST /v1/series, and the data of series.created
// and series.updated once normalized.
type SeriesInput struct {
	Code       string `json:"code" facturo:"required;pattern=^\\s*[A-Za-z0-9-]{1,25}\\s*$"`
	Prefix     string `json:"prefix,omitempty" facturo:"max=25"`
	NextNumber int64  `json:"next_number,omitempty" facturo:"min=1;max=999999999999;default=1"` // default 1
}

// SeriesPatch is the body of PATCH /v1/series/{id}; the code never changes.
type SeriesPatch struct {
	Prefix     *string `json:"prefix,omitempty" facturo:"max=25"`
	NextNumber *int64  `json:"next_number,omitempty" facturo:"min=1;max=999999999999"`
}

// Series records an invoice series: its code, the prefix of its numbers and
// the number the counter starts from.
//
// The gapless counter itself is NOT here: it is a PostgreSQL row locked by
// the transaction that issues an invoice, which reads the number, passes it
// to (*Invoice).Issue and increments the row in the same transaction. So two
// concurrent issues can never get the same number and a rolled-back issue
// never leaves a gap. series.created and series.updated tell that row where
// to start; whoever appends series.updated must move the row in the same
// transaction and must refuse a next_number below a number already issued.
type Series struct {
	Meta
	SeriesInput
}

// SeriesView is the public JSON of a series.
type SeriesView struct {
	ID         string     `json:"id"`
	Object     string     `json:"object"`
	Livemode   bool       `json:"livemode"`
	CreatedAt  *time.Time `json:"created_at"`
	UpdatedAt  *time.Time `json:"updated_at"`
	Code       string     `json:"code"`
	Prefix     string     `json:"prefix"`
	NextNumber int64      `json:"next_number"`
}

var seriesCodePattern = regexp.MustCompile(`^[A-Z0-9-]{1,25}$`)

// NewSeries decides the creation of a series. That the code is unique in
// the tenant is the store's check (resource_exists).
func NewSeries(in SeriesInput) ([]events.Draft, error) {
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	if in.Code == "" {
		return nil, missing("code")
	}
	if err := validateSeriesCode("code", in.Code); err != nil {
		return nil, err
	}
	in, err := normalizeSeries(in)
	if err != nil {
		return nil, err
	}
	return one(SeriesCreated, in), nil
}

func validateSeriesCode(param, code string) error {
	return matches(seriesCodePattern, param, code, "a series code (1 to 25 of A-Z, 0-9 and -)")
}

func normalizeSeries(in SeriesInput) (SeriesInput, error) {
	in.Prefix = strings.TrimSpace(in.Prefix)
	if in.NextNumber == 0 {
		in.NextNumber = 1
	}
	if in.NextNumber < 1 || in.NextNumber > MaxFolio {
		return in, invalid("next_number", "next_number must be from 1 to %d.", MaxFolio)
	}
	return in, maxLen("prefix", in.Prefix, 25)
}

// Update decides a change of prefix or next number; see Series about the
// counter row.
func (s *Series) Update(p SeriesPatch) ([]events.Draft, error) {
	if !s.Exists() {
		return nil, notFound("series", s.ID)
	}
	next := s.SeriesInput
	setIf(&next.Prefix, p.Prefix)
	if p.NextNumber != nil {
		if *p.NextNumber < 1 {
			return nil, invalid("next_number", "next_number must be from 1 to %d.", MaxFolio)
		}
		next.NextNumber = *p.NextNumber
	}
	next, err := normalizeSeries(next)
	if err != nil {
		return nil, err
	}
	if next == s.SeriesInput {
		return nil, nil
	}
	return one(SeriesUpdated, next), nil
}

// FormatNumber writes an invoice number: the prefix and the folio when the
// series has a prefix ("F" → "F17", "FAC-" → "FAC-17"), else the code, a
// dash and the folio ("A-17"). s may be nil for a series never created.
func (s *Series) FormatNumber(code string, folio int64) string {
	n := strconv.FormatInt(folio, 10)
	if s != nil && s.Prefix != "" {
		return s.Prefix + n
	}
	return code + "-" + n
}

// Exists reports whether the series was created.
func (s *Series) Exists() bool { return s.Version > 0 }

// Apply folds one event into the series.
func (s *Series) Apply(e events.Event) error {
	switch e.Type {
	case SeriesCreated, SeriesUpdated:
		var in SeriesInput
		if err := decodeInto("series", e, &in); err != nil {
			return err
		}
		s.SeriesInput = in
	default:
		return unknownEvent("series", e)
	}
	s.stamp(e)
	return nil
}

// FoldSeries folds a series stream.
func FoldSeries(history []events.Event) (*Series, error) { return fold[Series](history) }

// View is the public JSON of the series.
func (s *Series) View() SeriesView {
	return SeriesView{
		ID: s.ID, Object: "series", Livemode: s.Livemode,
		CreatedAt: utc(s.CreatedAt), UpdatedAt: utc(s.UpdatedAt),
		Code: s.Code, Prefix: s.Prefix, NextNumber: s.NextNumber,
	}
}
