package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/facturo/facturo/internal/app"
)

// product is an inline product of an item: price, tax_included, taxes.
func product(price string, taxIncluded bool, taxes ...map[string]any) map[string]any {
	p := map[string]any{"description": "Consulting hour", "price": price, "tax_included": taxIncluded}
	if taxes != nil {
		p["taxes"] = taxes
	}
	return p
}

func iva(rate string) map[string]any { return map[string]any{"type": "IVA", "rate": rate} }

func withheld(typ, rate string) map[string]any {
	return map[string]any{"type": typ, "rate": rate, "withholding": true}
}

// item is an invoice or receipt line: a product (id or inline) and quantity.
func item(prod any, qty string) map[string]any {
	return map[string]any{"product": prod, "quantity": qty}
}

// invoiceBody is a PUE invoice request paid by transfer.
func invoiceBody(client, series string, items ...map[string]any) map[string]any {
	b := map[string]any{"client": client, "items": items, "payment_form": "03"}
	if series != "" {
		b["series"] = series
	}
	return b
}

// historyTypes lists the event types of one object, oldest first.
func (s *system) historyTypes(plural, objID, key string) []string {
	s.t.Helper()
	var out []string
	for _, e := range s.must(200, "GET", "/v1/"+plural+"/"+objID+"/history", key, nil).list() {
		out = append(out, e["type"].(string))
	}
	return out
}

// folio reads an invoice's folio number (0 while a draft).
func folio(r response) int {
	n, _ := r.Body["folio_number"].(float64)
	return int(n)
}

// secondAPI starts another API process on s's database and NATS, as a
// second replica behind a load balancer would be.
func secondAPI(t *testing.T, s *system) *system {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := app.Connect(ctx, s.svc.Config, log, t.Name()+"-api2")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = app.RunAPI(ctx, svc, ln); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		svc.Close()
	})
	return newSystem(t, "http://"+ln.Addr().String(), svc)
}
