package invoicing

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/shopspring/decimal"
)

// Retention event types.
const (
	RetentionCreated  = "retention.created"
	RetentionIssued   = "retention.issued"
	RetentionCanceled = "retention.canceled"
)

// retentionEvents are the event types of withholding certificates.
var retentionEvents = []events.TypeInfo{
	{Name: RetentionCreated, Description: "A withholding certificate draft was created."},
	{Name: RetentionIssued, Description: "A withholding certificate was issued (draft → valid)."},
	{Name: RetentionCanceled, Description: "A withholding certificate was canceled."},
}

// DefaultRetentionKey is SAT c_CveRetenc "25": other withholdings.
const DefaultRetentionKey = "25"

// RetentionInput is the body of POST /v1/retentions: a certificate of the
// taxes withheld from a client over a period. Each concept is an operation
// amount with the taxes withheld from it (every tax is a withholding).
type RetentionInput struct {
	Client   string             `json:"client" facturo:"required"`
	Key      string             `json:"key,omitempty" facturo:"pattern=^[0-9]{2}$;default=25"` // SAT c_CveRetenc, default "25"
	Period   RetentionPeriod    `json:"period" facturo:"required"`
	Concepts []RetentionConcept `json:"concepts" facturo:"required;max=500"`
	Metadata map[string]string  `json:"metadata,omitempty"`
}

// RetentionPeriod is the months of one year the certificate covers.
type RetentionPeriod struct {
	FromMonth int `json:"from_month" facturo:"required;min=1;max=12"`
	ToMonth   int `json:"to_month" facturo:"required;min=1;max=12"`
	Year      int `json:"year" facturo:"required;min=2004;max=2100"`
}

// RetentionConcept is one operation of a retention request.
type RetentionConcept struct {
	Description string           `json:"description" facturo:"required;max=1000"`
	Amount      *decimal.Decimal `json:"amount" facturo:"required;pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"`
	Taxes       []TaxInput       `json:"taxes" facturo:"required;max=10"`
}

// RetentionContent is the data of retention.created. Each concept is priced
// as a line (quantity 1, price = amount, taxes withheld) by the same code as
// invoices, so total is the operation amount less what was withheld.
type RetentionContent struct {
	Client   ClientSnapshot    `json:"client"`
	Key      string            `json:"key"`
	Period   RetentionPeriod   `json:"period"`
	Concepts []Line            `json:"concepts"`
	Totals   Totals            `json:"totals"`
	Metadata map[string]string `json:"metadata"`
}

// RetentionStamp is the data of retention.issued and retention.canceled.
type RetentionStamp struct {
	At time.Time `json:"at"`
}

// Retention is the state of one withholding certificate stream.
// Statuses: draft → valid (issued); draft or valid → canceled.
type Retention struct {
	Meta
	RetentionContent
	Status     string
	IssuedAt   time.Time
	CanceledAt time.Time
	Mailing
}

// RetentionView is the public JSON of a retention.
type RetentionView struct {
	ID         string            `json:"id"`
	Object     string            `json:"object"`
	Livemode   bool              `json:"livemode"`
	CreatedAt  *time.Time        `json:"created_at"`
	UpdatedAt  *time.Time        `json:"updated_at"`
	Status     string            `json:"status"`
	Client     string            `json:"client"`
	Details    ClientSnapshot    `json:"client_details"`
	Key        string            `json:"key"`
	Period     RetentionPeriod   `json:"period"`
	Concepts   []LineView        `json:"concepts"`
	Metadata   map[string]string `json:"metadata"`
	IssuedAt   *time.Time        `json:"issued_at"`
	CanceledAt *time.Time        `json:"canceled_at"`
	LastSend   *SendStatus       `json:"last_send"`
	TotalsView
}

var retentionKeyPattern = regexp.MustCompile(`^[0-9]{2}$`)

// NewRetention decides a retention draft; client is the stored client that
// in.Client names.
func NewRetention(in RetentionInput, client *Client) ([]events.Draft, error) {
	c := RetentionContent{Key: orDefault(strings.TrimSpace(in.Key), DefaultRetentionKey), Period: in.Period, Metadata: copyMetadata(in.Metadata)}
	var inv InvoiceContent
	if err := inv.setClient(in.Client, client, nil); err != nil {
		return nil, err
	}
	c.Client = inv.Client
	if err := firstErr(
		matches(retentionKeyPattern, "key", c.Key, "a SAT retention key (2 digits)"),
		in.Period.validate(),
		validateMetadata("metadata", c.Metadata),
	); err != nil {
		return nil, err
	}
	lines, err := retentionLines(in.Concepts)
	if err != nil {
		return nil, err
	}
	c.Concepts, c.Totals = lines, ComputeTotals(lines)
	return one(RetentionCreated, c), nil
}

func (p RetentionPeriod) validate() error {
	switch {
	case p.FromMonth < 1 || p.FromMonth > 12:
		return invalid("period.from_month", "from_month is 1 to 12.")
	case p.ToMonth < p.FromMonth || p.ToMonth > 12:
		return invalid("period.to_month", "to_month is from_month to 12.")
	case p.Year < 2004 || p.Year > 2100:
		return invalid("period.year", "year must be a year between 2004 and 2100.")
	}
	return nil
}

func retentionLines(concepts []RetentionConcept) ([]Line, error) {
	if len(concepts) == 0 {
		return nil, missing("concepts")
	}
	if len(concepts) > MaxItems {
		return nil, invalid("concepts", "a certificate may have at most %d concepts.", MaxItems)
	}
	lines := make([]Line, len(concepts))
	for i, c := range concepts {
		l, err := retentionLine(fmt.Sprintf("concepts[%d]", i), c)
		if err != nil {
			return nil, err
		}
		lines[i] = l
	}
	return lines, nil
}

func retentionLine(p string, c RetentionConcept) (Line, error) {
	desc, err := requiredText(p+".description", c.Description, 1000)
	if err != nil {
		return Line{}, err
	}
	amount, err := validatePrice(p+".amount", c.Amount)
	if err != nil {
		return Line{}, err
	}
	if len(c.Taxes) == 0 {
		return Line{}, missing(p + ".taxes")
	}
	taxes, err := normalizeTaxes(p+".taxes", c.Taxes)
	if err != nil {
		return Line{}, err
	}
	for i := range taxes {
		taxes[i].Withholding = true
	}
	prod := ProductData{Description: desc, Price: amount, Taxes: taxes, Metadata: map[string]string{}}
	return priceChecked(p, prod, "", one1, decimal.Zero)
}

// Issue decides draft → valid.
func (r *Retention) Issue(now time.Time) ([]events.Draft, error) {
	if err := r.mustBe("issued", StatusDraft); err != nil {
		return nil, err
	}
	return one(RetentionIssued, RetentionStamp{At: now.UTC()}), nil
}

// Cancel decides draft or valid → canceled.
func (r *Retention) Cancel(now time.Time) ([]events.Draft, error) {
	if err := r.mustBe("canceled", StatusDraft, StatusValid); err != nil {
		return nil, err
	}
	return one(RetentionCanceled, RetentionStamp{At: now.UTC()}), nil
}

// Send decides the emailing of a valid retention to in.To, or to its
// client's email (see decideSend).
func (r *Retention) Send(in SendInput, now time.Time) ([]events.Draft, error) {
	if err := r.mustBe("sent", StatusValid); err != nil {
		return nil, err
	}
	return decideSend("retention", r.Livemode, in, r.Client.Email, now)
}

func (r *Retention) mustBe(action string, statuses ...string) error {
	if !r.Exists() {
		return notFound("retention", r.ID)
	}
	for _, s := range statuses {
		if r.Status == s {
			return nil
		}
	}
	return invalidState("The retention is %s; it cannot be %s.", r.Status, action)
}

// Exists reports whether the retention was created.
func (r *Retention) Exists() bool { return r.Version > 0 }

// Apply folds one event into the retention.
func (r *Retention) Apply(e events.Event) error {
	var err error
	switch e.Type {
	case RetentionCreated:
		var c RetentionContent
		err = decodeInto("retention", e, &c)
		r.RetentionContent, r.Status = c, StatusDraft
	case RetentionIssued:
		var s RetentionStamp
		err = decodeInto("retention", e, &s)
		r.IssuedAt, r.Status = s.At, StatusValid
	case RetentionCanceled:
		var s RetentionStamp
		err = decodeInto("retention", e, &s)
		r.CanceledAt, r.Status = s.At, StatusCanceled
	default:
		var ok bool
		if ok, err = r.applyMailing("retention", e); !ok {
			return unknownEvent("retention", e)
		}
	}
	if err != nil {
		return err
	}
	r.stamp(e)
	return nil
}

// FoldRetention folds a retention stream.
func FoldRetention(history []events.Event) (*Retention, error) { return fold[Retention](history) }

// View is the public JSON of the retention.
func (r *Retention) View() RetentionView {
	return RetentionView{
		ID: r.ID, Object: "retention", Livemode: r.Livemode,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
		Status: r.Status, Client: r.Client.ID, Details: r.Client, Key: r.Key, Period: r.Period,
		Concepts: lineViews(r.Concepts), Metadata: copyMetadata(r.Metadata),
		IssuedAt: utc(r.IssuedAt), CanceledAt: utc(r.CanceledAt), LastSend: r.view(), TotalsView: r.Totals.view(),
	}
}
