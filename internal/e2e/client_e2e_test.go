package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/client"
	"github.com/facturo/facturo/client/webhook"
	"github.com/facturo/facturo/internal/app"
)

// receiver is a webhook endpoint that accepts only deliveries that the
// SDK's client/webhook verifies with the secret it knows. After a rotation
// it knows only the new secret, and old is the one before: a delivery
// signed after the rotation (two signatures) must verify with either
// alone; one signed before it (one signature) but arriving later must
// verify with the old one.
type receiver struct {
	mu         sync.Mutex
	verifier   *webhook.Verifier
	old        *webhook.Verifier
	types      map[string]int
	refused    int
	oldChecked int
	oldRefused int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	signatures := len(strings.Fields(r.Header.Get(webhook.HeaderSignature)))
	switch {
	case rc.verifier == nil:
		// Sent before the endpoint's creation answered (its own
		// webhook_endpoint.created): nobody knows the secret yet. The
		// worker retries it.
		w.WriteHeader(503)
		return
	case rc.verifier.Verify(r.Header, body) == nil:
	case rc.old != nil && signatures == 1 && rc.old.Verify(r.Header, body) == nil:
		// Signed before the rotation, delivered after it.
	default:
		rc.refused++
		w.WriteHeader(400)
		return
	}
	if rc.old != nil && signatures > 1 {
		rc.oldChecked++
		if rc.old.Verify(r.Header, body) != nil {
			rc.oldRefused++
		}
	}
	var ev struct{ Type string }
	_ = json.Unmarshal(body, &ev)
	rc.types[ev.Type]++
	w.WriteHeader(204)
}

func (rc *receiver) setSecrets(t *testing.T, secrets ...string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.verifier = mustVerifier(t, secrets...)
}

// rotated makes the receiver know only the new secret, and check the
// deliveries against the old one as well.
func (rc *receiver) rotated(t *testing.T, newSecret, oldSecret string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.verifier, rc.old = mustVerifier(t, newSecret), mustVerifier(t, oldSecret)
}

func mustVerifier(t *testing.T, secrets ...string) *webhook.Verifier {
	v, err := webhook.NewVerifier(secrets...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (rc *receiver) got(typ string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.types[typ]
}

// clientPDFs uploads a logo with the user key uc and reads the invoice's
// PDF with the organization key c: named by its number, then 304 by its
// ETag; a GIF logo is a typed unsupported_media_type.
func clientPDFs(ctx context.Context, t *testing.T, uc, c *client.Client, orgID, invID, number string) {
	t.Helper()
	o, err := uc.Organizations.SetLogo(ctx, orgID, "image/png", logoPNG())
	noErr(t, err)
	if o.Logo == nil || o.Logo.ContentType != "image/png" || o.Logo.Width != 40 {
		t.Errorf("organization after SetLogo: %+v", o.Logo)
	}
	if _, err := uc.Organizations.SetLogo(ctx, orgID, "image/gif", []byte("GIF89a")); !client.IsCode(err, "unsupported_media_type") {
		t.Errorf("a GIF logo: %v", err)
	}
	f, err := c.Invoices.PDF(ctx, invID, client.PDFParams{})
	noErr(t, err)
	if f.Filename != number+".pdf" || f.ContentType != "application/pdf" || !bytes.HasPrefix(f.Body, []byte("%PDF-")) || f.ETag == "" || f.NotModified {
		t.Errorf("PDF %q %q %q %v %.8q", f.Filename, f.ContentType, f.ETag, f.NotModified, f.Body)
	}
	same, err := c.Invoices.PDF(ctx, invID, client.PDFParams{IfNoneMatch: f.ETag})
	noErr(t, err)
	if !same.NotModified || len(same.Body) != 0 || same.ETag != f.ETag {
		t.Errorf("If-None-Match: not modified %v, %d bytes, ETag %q", same.NotModified, len(same.Body), same.ETag)
	}
}

// The Go client drives every resource against the real system; every
// answer passes through specCheck, so each is also validated against the
// served OpenAPI document. Webhooks of the real worker are verified with
// the SDK's client/webhook, across a secret rotation.
func TestClientEndToEnd(t *testing.T) {
	s := startSystemWith(t, func(c *app.Config) {
		c.Webhooks.AllowNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	t.Setenv("FACTURO_WEBHOOK_ALLOW_NETS", "127.0.0.0/8") // read by the API's address policy
	ctx := context.Background()
	op := s.client(testAdminKey)

	u, err := op.Users.Create(ctx, client.UserInput{Email: "client@example.com", Name: "Client Test"})
	noErr(t, err)
	uc := s.client(u.SecretKey)
	org, err := uc.Organizations.Create(ctx, client.OrganizationInput{Name: "Client Co"})
	noErr(t, err)
	_, err = uc.Organizations.Update(ctx, org.ID, client.OrganizationPatch{LegalName: new("Client Co SA")})
	noErr(t, err)
	_, err = uc.Organizations.Get(ctx, org.ID)
	noErr(t, err)
	for _, err := range uc.Organizations.All(ctx, client.ListParams{}) {
		noErr(t, err)
	}
	key, err := uc.Keys.Create(ctx, org.ID, client.APIKeyInput{Name: "live", Mode: "live"})
	noErr(t, err)
	spare, err := uc.Keys.Create(ctx, org.ID, client.APIKeyInput{Name: "spare", Mode: "test"})
	noErr(t, err)
	_, err = uc.Keys.Update(ctx, org.ID, spare.ID, client.APIKeyPatch{Name: new("spare2")})
	noErr(t, err)
	_, err = uc.Keys.Rotate(ctx, org.ID, spare.ID, nil)
	noErr(t, err)
	_, err = uc.Keys.Revoke(ctx, org.ID, spare.ID)
	noErr(t, err)
	// A revoked key is refused, in the envelope; the audit log (a
	// projection) records the revocation.
	_, err = s.client(spare.Secret).Organizations.Account(ctx)
	if !client.IsCode(err, "api_key_revoked") {
		t.Fatalf("revoked key: err = %v", err)
	}
	eventually(t, "key.revoked in the audit log", func() bool {
		p, err := uc.Keys.AuditLog(ctx, org.ID, client.ListParams{Limit: 100})
		noErr(t, err)
		return slices.ContainsFunc(p.Data, func(e client.AuditEntry) bool { return e.Action == "key.revoked" && e.KeyID == spare.ID })
	})
	_, err = uc.Keys.Get(ctx, org.ID, key.ID)
	noErr(t, err)
	_, err = uc.Keys.List(ctx, org.ID, client.ListParams{Limit: 1})
	noErr(t, err)
	_, err = uc.Keys.Activity(ctx, org.ID, key.ID, 5)
	noErr(t, err)
	c := s.client(key.Secret)
	_, err = c.Organizations.Account(ctx)
	noErr(t, err)
	// The operator switches the organization's API off and on again.
	_, err = op.Organizations.SetAPIAccess(ctx, org.ID, true)
	noErr(t, err)
	if _, err = c.Organizations.Account(ctx); !client.IsCode(err, "api_disabled") {
		t.Fatalf("disabled organization: err = %v", err)
	}
	_, err = op.Organizations.SetAPIAccess(ctx, org.ID, false)
	noErr(t, err)
	_, err = c.Organizations.Account(ctx)
	noErr(t, err)

	// A webhook endpoint whose receiver verifies every delivery.
	rc := &receiver{types: map[string]int{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ep, err := c.WebhookEndpoints.Create(ctx, client.WebhookEndpointInput{URL: srv.URL, EnabledEvents: []string{"*"}})
	noErr(t, err)
	rc.setSecrets(t, ep.Secret)

	cl, err := c.Clients.Create(ctx, client.ClientInput{LegalName: "Acme SA de CV", TaxID: "AAA010101AAA", Email: "billing@acme.example"})
	noErr(t, err)
	_, err = c.Clients.Update(ctx, cl.ID, client.ClientPatch{Phone: new("5555555555")})
	noErr(t, err)
	pr, err := c.Products.Create(ctx, client.ProductInput{Description: "Consulting hour", Price: "100.00",
		Taxes: []client.TaxInput{{Type: "IVA", Rate: "0.16"}}})
	noErr(t, err)
	_, err = c.Products.Get(ctx, pr.ID)
	noErr(t, err)
	gone, err := c.Products.Create(ctx, client.ProductInput{Description: "Discontinued", Price: "1.00"})
	noErr(t, err)
	_, err = c.Products.Delete(ctx, gone.ID)
	noErr(t, err)
	ser, err := c.Series.Create(ctx, client.SeriesInput{Code: "CLI"})
	noErr(t, err)
	_, err = c.Series.Update(ctx, ser.ID, client.SeriesPatch{Prefix: new("C-")})
	noErr(t, err)

	items := []client.ItemInput{{Product: client.ProductID(pr.ID), Quantity: "2"}}
	inv, err := c.Invoices.Create(ctx, client.InvoiceInput{Client: cl.ID, Series: "CLI", Items: items, PaymentForm: "03"})
	noErr(t, err)
	_, err = c.Invoices.Update(ctx, inv.ID, client.InvoicePatch{Notes: new("Thanks")})
	noErr(t, err)
	issued, err := c.Invoices.Issue(ctx, inv.ID)
	noErr(t, err)
	if issued.Status != "valid" || issued.Number == nil || issued.Total != "200.00" {
		t.Fatalf("issued %+v", issued)
	}
	// Before the send: the mailer's outcome is a new version of the
	// invoice, with its own ETag.
	clientPDFs(ctx, t, uc, c, org.ID, inv.ID, *issued.Number)
	_, err = c.Invoices.Send(ctx, inv.ID, client.SendInput{})
	noErr(t, err)
	_, err = c.Invoices.Corrective(ctx, inv.ID, client.CorrectionInput{Reason: "Discount", Items: []client.CorrectionItem{{Line: 0, Quantity: "1"}}})
	noErr(t, err)
	_, err = c.Invoices.Pay(ctx, inv.ID, client.PaymentInput{})
	noErr(t, err)
	dup, err := c.Invoices.Duplicate(ctx, inv.ID)
	noErr(t, err)
	_, err = c.Invoices.Delete(ctx, dup.ID)
	noErr(t, err)
	_, err = c.Invoices.GetAsOf(ctx, inv.ID, time.Now())
	noErr(t, err)
	hist, err := c.Invoices.History(ctx, inv.ID)
	noErr(t, err)
	if len(hist) < 3 {
		t.Fatalf("history %d events", len(hist))
	}

	rcpt, err := c.Receipts.Create(ctx, client.ReceiptInput{Items: items, PaymentForm: "01"})
	noErr(t, err)
	_, err = c.Receipts.Invoice(ctx, rcpt.ID, cl.ID)
	noErr(t, err)
	rcpt2, err := c.Receipts.Create(ctx, client.ReceiptInput{Items: items, PaymentForm: "01"})
	noErr(t, err)
	_, err = c.Receipts.Cancel(ctx, rcpt2.ID)
	noErr(t, err)
	ret, err := c.Retentions.Create(ctx, client.RetentionInput{Client: cl.ID,
		Period:   client.RetentionPeriod{FromMonth: 1, ToMonth: 1, Year: 2025},
		Concepts: []client.RetentionConcept{{Description: "Fees", Amount: "10.00", Taxes: []client.TaxInput{{Type: "ISR", Rate: "0.10"}}}}})
	noErr(t, err)
	_, err = c.Retentions.Issue(ctx, ret.ID)
	noErr(t, err)
	_, err = c.Retentions.Cancel(ctx, ret.ID)
	noErr(t, err)
	for _, get := range []func() (*client.File, error){
		func() (*client.File, error) { return c.Receipts.PDF(ctx, rcpt.ID, client.PDFParams{}) },
		func() (*client.File, error) { return c.Retentions.PDF(ctx, ret.ID, client.PDFParams{AsOf: time.Now()}) },
	} {
		if f, err := get(); err != nil || !bytes.HasPrefix(f.Body, []byte("%PDF-")) {
			t.Errorf("PDF: %v", err)
		}
	}

	// Typed errors: a foreign-looking id is resource_missing with its request id.
	_, err = c.Invoices.Get(ctx, "inv_01JUNKJUNKJUNKJUNKJUNKJUNK")
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Code != "resource_missing" || apiErr.Status != 404 || apiErr.RequestID == "" {
		t.Fatalf("err = %v", err)
	}

	// Pages: iterate the events two at a time and meet each once.
	seen := map[string]bool{}
	for e, err := range c.Events.All(ctx, client.ListParams{Limit: 2}) {
		noErr(t, err)
		if seen[e.ID] {
			t.Fatalf("event %s twice", e.ID)
		}
		seen[e.ID] = true
	}
	if len(seen) < 10 {
		t.Fatalf("iterated %d events", len(seen))
	}
	first, err := c.Events.List(ctx, client.ListParams{Limit: 1, Filters: url.Values{"type": {"invoice.issued"}}})
	noErr(t, err)
	_, err = c.Events.Get(ctx, first.Data[0].ID)
	noErr(t, err)
	_, err = c.Events.Types(ctx)
	noErr(t, err)

	// Lists are projections: wait until they show what was written.
	eventually(t, "lists", func() bool {
		n := 0
		for _, err := range c.Invoices.All(ctx, client.ListParams{Limit: 1}) {
			noErr(t, err)
			n++
		}
		return n >= 3
	})
	for _, err := range c.Clients.All(ctx, client.ListParams{}) {
		noErr(t, err)
	}
	for _, err := range c.Products.All(ctx, client.ListParams{}) {
		noErr(t, err)
	}
	for _, err := range c.Series.All(ctx, client.ListParams{}) {
		noErr(t, err)
	}
	for _, err := range c.Receipts.All(ctx, client.ListParams{}) {
		noErr(t, err)
	}
	for _, err := range c.Retentions.All(ctx, client.ListParams{}) {
		noErr(t, err)
	}

	// Real deliveries verify; after a rotation both secrets sign, and a
	// receiver that knows only the new one, or only the old one, verifies.
	eventually(t, "invoice.issued delivered and verified", func() bool { return rc.got("invoice.issued") > 0 })
	rot, err := c.WebhookEndpoints.RotateSecret(ctx, ep.ID, nil)
	noErr(t, err)
	rc.rotated(t, rot.Secret, ep.Secret)
	_, err = c.Clients.Delete(ctx, cl.ID)
	noErr(t, err)
	eventually(t, "client.deleted delivered and verified with the new secret", func() bool { return rc.got("client.deleted") > 0 })
	ping, err := c.WebhookEndpoints.Ping(ctx, ep.ID)
	noErr(t, err)
	_, err = c.WebhookEndpoints.Delivery(ctx, ep.ID, ping.ID)
	noErr(t, err)
	eventually(t, "deliveries listed", func() bool {
		p, err := c.WebhookEndpoints.Deliveries(ctx, ep.ID, client.ListParams{})
		noErr(t, err)
		return len(p.Data) > 0
	})
	// A resend while the ping's attempt is in flight is refused
	// (invalid_state), so wait for the ping to be settled first.
	eventually(t, "ping settled", func() bool {
		d, err := c.WebhookEndpoints.Delivery(ctx, ep.ID, ping.ID)
		noErr(t, err)
		return d.Status != "pending"
	})
	_, err = c.WebhookEndpoints.Resend(ctx, ep.ID, ping.ID)
	noErr(t, err)
	_, err = c.WebhookEndpoints.Recover(ctx, ep.ID, time.Now().Add(-time.Hour), time.Time{})
	noErr(t, err)
	_, err = c.WebhookEndpoints.Update(ctx, ep.ID, client.WebhookEndpointPatch{Description: new("verified")})
	noErr(t, err)
	_, err = c.WebhookEndpoints.Get(ctx, ep.ID)
	noErr(t, err)
	for _, err := range c.WebhookEndpoints.All(ctx, client.ListParams{}) {
		noErr(t, err)
	}
	noErr(t, c.WebhookEndpoints.Delete(ctx, ep.ID))
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.refused > 0 {
		t.Errorf("%d deliveries failed verification", rc.refused)
	}
	if rc.oldChecked == 0 || rc.oldRefused > 0 {
		t.Errorf("after the rotation, %d of %d deliveries failed verification with the old secret", rc.oldRefused, rc.oldChecked)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
