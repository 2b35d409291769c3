package invoicing

import (
	"testing"
	"time"

	"github.com/facturo/facturo"
)

// sentQuote is a live quote expiring at t0+1h, sent at t0.
func sentQuote(t *testing.T) (*stream, *Quote) {
	t.Helper()
	cs := newClientStream(t)
	client, _ := FoldClient(cs.history)
	exp := t0.Add(time.Hour)
	in := QuoteInput{OfferTerms: OfferTerms{Client: "cli_1", Items: []ItemInput{{Product: ProductRef{Inline: &ProductInput{Description: "x", Price: dec("116.00")}}}}}, ExpiresAt: &exp}
	s := &stream{id: "quo_1", live: true}
	d, err := NewQuote(in, client, nil)
	s.must(t, d, err)
	q, _ := FoldQuote(s.history)
	d, err = q.Send(SendInput{}, 7, "TOKEN", t0)
	s.must(t, d, err)
	q, err = FoldQuote(s.history)
	if err != nil {
		t.Fatal(err)
	}
	return s, q
}

// The first send numbers the quote and opens its link until expires_at;
// a later one only emails it again.
func TestQuoteSendOpensOnce(t *testing.T) {
	s, q := sentQuote(t)
	v := q.View()
	if v.Status != QuoteSentState || *v.Number != "Q-7" || *v.PublicURL != "/public/quotes/TOKEN" || !v.LinkExpiresAt.Equal(t0.Add(time.Hour)) || v.LastSend.To[0] != "a@acme.mx" {
		t.Fatalf("a sent quote: %s", mustJSON(t, v))
	}
	d, err := q.Send(SendInput{To: Recipients{"b@acme.mx"}}, 0, "", t0)
	s.must(t, d, err)
	q, _ = FoldQuote(s.history)
	if v := q.View(); *v.Number != "Q-7" || v.LastSend.To[0] != "b@acme.mx" || *v.PublicURL != "/public/quotes/TOKEN" {
		t.Errorf("a second send: %s", mustJSON(t, v))
	}
}

// An answer at or after expires_at is refused even before the worker has
// recorded the expiry; Expire decides nothing until the quote is due, and
// nothing for an answered quote.
func TestQuoteExpiry(t *testing.T) {
	s, q := sentQuote(t)
	exp := t0.Add(time.Hour)
	d, err := q.Accept(Answer{Via: ViaAPI, At: exp})
	wantCode(t, d, err, facturo.CodeInvalidState, "")
	if d := q.Expire(exp.Add(-time.Second)); d != nil {
		t.Errorf("expired before its time: %v", d)
	}
	d, err = q.Accept(Answer{Via: ViaPublicLink, IP: "192.0.2.1", At: exp.Add(-time.Minute)})
	s.must(t, d, err)
	q, _ = FoldQuote(s.history)
	if d := q.Expire(exp.Add(time.Hour)); d != nil {
		t.Errorf("an accepted quote expired: %v", d)
	}
	if q.Answer.IP != "192.0.2.1" || q.Answer.Via != ViaPublicLink {
		t.Errorf("the answer: %+v", q.Answer)
	}
}

// A quote converts once, only when accepted, into an invoice with its
// lines and totals.
func TestQuoteConvertsOnce(t *testing.T) {
	s, q := sentQuote(t)
	_, err := q.InvoiceContent(ConvertInput{PaymentForm: "03"})
	wantCode(t, nil, err, facturo.CodeInvalidState, "")
	d, err := q.Accept(Answer{Via: ViaAPI, At: t0})
	s.must(t, d, err)
	q, _ = FoldQuote(s.history)
	ic, err := q.InvoiceContent(ConvertInput{PaymentForm: "03"})
	if err != nil || ic.Quote != "quo_1" || !ic.Totals.Total.Equal(q.Totals.Total) || ic.Series != DefaultSeries || ic.PaymentMethod != PaymentMethodPUE {
		t.Fatalf("invoice content %+v, %v", ic, err)
	}
	d, err = q.Convert("inv_1", t0)
	s.must(t, d, err)
	q, _ = FoldQuote(s.history)
	_, err = q.InvoiceContent(ConvertInput{PaymentForm: "03"})
	wantCode(t, nil, err, facturo.CodeInvalidState, "")
	d, err = q.Convert("inv_2", t0)
	wantCode(t, d, err, facturo.CodeInvalidState, "")
}
