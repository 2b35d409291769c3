// Package pdf renders Facturo's documents (invoices and credit notes,
// receipts, retention certificates) as PDF, with go-pdf/fpdf and an
// embedded DejaVu Sans. A document's PDF depends only on the object's
// stream up to one version and on its organization (profile, branding,
// logo), never on the clock: the same inputs give the same bytes.
package pdf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
)

// Streams reads event streams (postgres.EventStore); a stream of another
// tenant reads as empty.
type Streams interface {
	Load(ctx context.Context, st events.Stream) ([]events.Event, error)
}

// Logos reads the bytes of an organization's logo by digest
// (postgres.LogoStore).
type Logos interface {
	Logo(ctx context.Context, orgID, sha256 string) ([]byte, error)
}

// Renderer makes the PDF of any document of a tenant.
type Renderer struct {
	streams   Streams
	logos     Logos
	logoCache logoCache
}

// NewRenderer returns a Renderer reading from streams and logos.
func NewRenderer(streams Streams, logos Logos) *Renderer {
	return &Renderer{streams: streams, logos: logos}
}

// Layout is bumped when a change to the layout changes the bytes, so that
// ETags of PDFs rendered before no longer match.
const Layout = 1

// PDF renders the document kind ("invoice", "receipt", "retention") id of
// t at stream version (0: the latest), and names the file ("A-12.pdf").
// An unknown id, another tenant's or mode's, or a version the document
// never had is not found.
func (r *Renderer) PDF(ctx context.Context, t facturo.Tenant, kind, objID string, version int64) (filename string, body []byte, err error) {
	d, err := r.Load(ctx, t, kind, objID, version)
	if err != nil {
		return "", nil, err
	}
	body, err = Render(d)
	if err != nil {
		return "", nil, err
	}
	return d.Filename(), body, nil
}

// Load gathers what the PDF of a document shows (see PDF).
func (r *Renderer) Load(ctx context.Context, t facturo.Tenant, kind, objID string, version int64) (*Document, error) {
	obj, ok := objectOf(kind)
	if !ok || !id.Has(objID, obj.Prefix) {
		return nil, facturo.NotFound(kind, objID)
	}
	history, err := r.streams.Load(ctx, events.Stream{ID: objID, OrgID: t.OrgID, Livemode: t.Livemode})
	if err != nil {
		return nil, err
	}
	if version < 0 || version > int64(len(history)) {
		return nil, facturo.NotFound(kind, objID)
	}
	if version > 0 {
		history = history[:version]
	}
	if len(history) == 0 || !strings.HasPrefix(history[0].Type, kind+".") {
		return nil, facturo.NotFound(kind, objID)
	}
	org, logo, err := r.organization(ctx, t.OrgID)
	if err != nil {
		return nil, err
	}
	d, err := r.document(ctx, t, kind, history, org)
	if err != nil {
		return nil, err
	}
	d.Version, d.Stamp = len(history), history[len(history)-1].CreatedAt.UTC()
	d.Issuer, d.Logo = *org, logo
	return d, nil
}

// Kinds are the objects that have a PDF: the ones Load and PDF take.
var Kinds = []invoicing.Object{invoicing.InvoiceKind.Object(), invoicing.ReceiptKind.Object(), invoicing.RetentionKind.Object(),
	invoicing.QuoteKind.Object(), invoicing.ProformaKind.Object()}

func objectOf(kind string) (invoicing.Object, bool) {
	for _, k := range Kinds {
		if k.Name == kind {
			return k, true
		}
	}
	return invoicing.Object{}, false
}

// document folds the history of one document into what its PDF shows, in
// the words and the law of its issuer, org.
func (r *Renderer) document(ctx context.Context, t facturo.Tenant, kind string, history []events.Event, org *accounts.Organization) (*Document, error) {
	objID := history[0].StreamID
	fx := fiscalFor(org.Country)
	l := fx.labels(labelsFor(org.Branding.DocumentLanguage))
	switch kind {
	case "invoice":
		inv, err := invoicing.InvoiceKind.FoldExisting(objID, history)
		if err != nil {
			return nil, err
		}
		v := inv.View()
		d := fromInvoice(v, l, fx)
		d.Verifactu = verifactuAddress(org, inv, t.Livemode)
		if inv.Related != nil {
			number, err := r.invoiceNumber(ctx, t, inv.Related.Invoice)
			if err != nil {
				return nil, err
			}
			d.Related = append(d.Related, fx.corrects(l, v, number))
		}
		return d, nil
	case "receipt":
		rc, err := invoicing.ReceiptKind.FoldExisting(objID, history)
		if err != nil {
			return nil, err
		}
		return fromReceipt(rc.View(), l), nil
	case "quote":
		q, err := invoicing.QuoteKind.FoldExisting(objID, history)
		if err != nil {
			return nil, err
		}
		return fromQuote(q.View(), l), nil
	case "proforma":
		pf, err := invoicing.ProformaKind.FoldExisting(objID, history)
		if err != nil {
			return nil, err
		}
		return fromProforma(pf.View(), l), nil
	default:
		rt, err := invoicing.RetentionKind.FoldExisting(objID, history)
		if err != nil {
			return nil, err
		}
		return fromRetention(rt.View(), l), nil
	}
}

// invoiceNumber names an invoice of t by its number (its id before it has
// one): how a credit note names the invoice it corrects.
func (r *Renderer) invoiceNumber(ctx context.Context, t facturo.Tenant, invID string) (string, error) {
	history, err := r.streams.Load(ctx, events.Stream{ID: invID, OrgID: t.OrgID, Livemode: t.Livemode})
	if err != nil {
		return "", err
	}
	inv, err := invoicing.FoldInvoice(history)
	if err != nil {
		return "", err
	}
	if inv.Number != "" {
		return inv.Number + " (" + invID + ")", nil
	}
	return invID, nil
}

// organization folds the issuing organization and reads its logo, as
// printableLogo makes it.
func (r *Renderer) organization(ctx context.Context, orgID string) (*accounts.Organization, []byte, error) {
	org, err := r.fold(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	if org.Logo == nil {
		return org, nil, nil
	}
	logo, err := r.logoCache.get(orgID, org.Logo.SHA256, func() ([]byte, error) {
		return r.logos.Logo(ctx, orgID, org.Logo.SHA256)
	})
	if err != nil {
		return nil, nil, err
	}
	return org, logo, nil
}

// ETag identifies the bytes of d's PDF without rendering it: the
// document's version, its organization's version (profile, branding and
// logo are events of its stream) and the layout.
func (d *Document) ETag() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d/%s/%d/%d", d.ID, d.Version, d.Issuer.ID, d.Issuer.Version, Layout))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// VersionAt is the stream version a document had at moment at: the
// number of its events recorded until then; not found if it did not exist
// yet (what ?as_of= means on every route).
func (r *Renderer) VersionAt(ctx context.Context, t facturo.Tenant, kind, objID string, at time.Time) (int64, error) {
	obj, ok := objectOf(kind)
	if !ok || !id.Has(objID, obj.Prefix) {
		return 0, facturo.NotFound(kind, objID)
	}
	history, err := r.streams.Load(ctx, events.Stream{ID: objID, OrgID: t.OrgID, Livemode: t.Livemode})
	if err != nil {
		return 0, err
	}
	n := 0
	for n < len(history) && !history[n].CreatedAt.After(at) {
		n++
	}
	if n == 0 {
		return 0, facturo.NotFound(kind, objID)
	}
	return int64(n), nil
}

// fold folds the issuing organization, its branding's defaults filled in.
func (r *Renderer) fold(ctx context.Context, orgID string) (*accounts.Organization, error) {
	history, err := r.streams.Load(ctx, events.Stream{ID: orgID, OrgID: orgID, Livemode: true})
	if err != nil {
		return nil, err
	}
	org, err := accounts.FoldOrganization(history)
	if err != nil {
		return nil, err
	}
	if !org.Exists() {
		return nil, fmt.Errorf("organization %s has no stream", orgID)
	}
	org.Branding = org.View().Branding
	return org, nil
}

// Issuer names the organization that issues documents (its legal name,
// else its name) and the language its documents are written in, as its
// PDFs print them: the mailer writes its emails the same way. It reads no
// logo.
func (r *Renderer) Issuer(ctx context.Context, orgID string) (name, language string, err error) {
	org, err := r.fold(ctx, orgID)
	if err != nil {
		return "", "", err
	}
	name = org.LegalName
	if name == "" {
		name = org.Name
	}
	return name, org.Branding.DocumentLanguage, nil
}
