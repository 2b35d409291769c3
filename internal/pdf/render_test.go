package pdf

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/facturo/facturo/internal/invoicing"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs of testdata")

// poppler runs a poppler tool (pdftotext, pdftoppm, pdfinfo) on pdf; the
// test fails without it (.ci/run installs poppler-utils).
func poppler(t *testing.T, pdf []byte, tool string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s is not installed (apt-get install poppler-utils): %v", tool, err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	args = append(args, in)
	if tool == "pdftotext" {
		args = append(args, "-") // to stdout; pdftoppm -singlefile and pdfinfo write there anyway
	}
	out, err := exec.Command(tool, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", tool, args, err)
	}
	return out
}

// Text extracts the text of a PDF as a reader would copy it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	return string(poppler(t, pdf, "pdftotext", "-layout"))
}

func render(t *testing.T, d *Document) []byte {
	t.Helper()
	b, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The text of the PDF holds the number, the client, every total as
// printed and the total in words, in both languages, with the accents, ñ,
// € and $ intact (the embedded font has them).
func TestPDFTextHasWhatTheDocumentSays(t *testing.T) {
	for _, lang := range []string{Spanish, English} {
		d := sample(lang, 3)
		// Without -layout, in reading order: a long name may wrap, so
		// whitespace is compared as one space.
		text := strings.Join(strings.Fields(string(poppler(t, render(t, d), "pdftotext"))), " ")
		want := []string{d.Number, d.Client.LegalName, d.Client.TaxID, d.Issuer.LegalName, d.Issuer.TaxID,
			d.Issuer.Branding.Address[:20], d.Issuer.Branding.FooterText, "€ y $", "Pan de muerto relleno de nata, pieza 3",
			AmountInWords(decimal.RequireFromString(d.Totals.Total), d.Currency, lang), labelsFor(lang).title(d)}
		for _, v := range []string{d.Totals.Subtotal, d.Totals.Total, d.Totals.TotalTransferred, d.Totals.TotalWithheld} {
			want = append(want, money(v, d.Currency))
		}
		for _, tax := range d.Totals.Taxes {
			want = append(want, tax.Type+" "+rateText(tax.TaxView), money(tax.Amount, d.Currency))
		}
		for _, w := range want {
			if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
				t.Errorf("%s: the PDF's text lacks %q:\n%s", lang, w, text)
			}
		}
	}
}

// A draft says DRAFT, a canceled document CANCELED, a test-mode one TEST
// MODE — NO FISCAL VALIDITY; an issued live document none of them.
func TestPDFWatermarks(t *testing.T) {
	marks := []string{"DRAFT", "CANCELED", "TEST MODE — NO FISCAL VALIDITY"}
	for _, c := range []struct {
		status string
		live   bool
		want   []string
	}{
		{invoicing.StatusValid, true, nil},
		{invoicing.StatusDraft, true, []string{"DRAFT"}},
		{invoicing.StatusCanceled, true, []string{"CANCELED"}},
		{invoicing.StatusValid, false, []string{"TEST MODE — NO FISCAL VALIDITY"}},
		{invoicing.StatusDraft, false, []string{"DRAFT", "TEST MODE — NO FISCAL VALIDITY"}},
	} {
		d := sample(English, 60) // three pages: the marks are on every one
		d.Status, d.Livemode = c.status, c.live
		pdf := render(t, d)
		// -raw: in content order, where the layout mode leaves diagonal
		// text out; glyph spacing splits words, so spaces are ignored.
		raw := string(poppler(t, pdf, "pdftotext", "-raw"))
		pages := strings.Split(strings.TrimSuffix(raw, "\f"), "\f")
		if len(pages) < 2 {
			t.Fatalf("%d pages", len(pages))
		}
		for i, text := range pages {
			flat := strings.Join(strings.Fields(text), "")
			for _, m := range marks {
				if got, want := strings.Contains(flat, strings.ReplaceAll(m, " ", "")), contains(c.want, m); got != want {
					t.Errorf("%s live=%v page %d: %q present %v, want %v", c.status, c.live, i+1, m, got, want)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The same document gives the same bytes, whenever it is rendered; the
// creation date inside is the document's, not the clock's.
func TestPDFIsDeterministic(t *testing.T) {
	d := sample(Spanish, 5)
	a := render(t, d)
	time.Sleep(1100 * time.Millisecond) // a clock-stamped PDF would change here
	if b := render(t, sample(Spanish, 5)); !bytes.Equal(a, b) {
		t.Fatal("two renders of the same document differ")
	}
	info := string(poppler(t, a, "pdfinfo", "-isodates"))
	if !strings.Contains(info, "2026-03-14T17:30:00") {
		t.Errorf("the creation date is not the document's:\n%s", info)
	}
	d.Stamp = d.Stamp.Add(time.Hour)
	if bytes.Equal(a, render(t, d)) {
		t.Error("the document's time is not in the PDF")
	}
}

// A 200-line invoice runs over several pages, each numbered "Página i de
// n", the column heads repeated, and the totals after the last line; its
// last page matches its golden image.
func TestPDFMultiPage(t *testing.T) {
	d := sample(Spanish, 200)
	pdf := render(t, d)
	pages := strings.Split(strings.TrimSuffix(pdfText(t, pdf), "\f"), "\f")
	n := len(pages)
	if n < 5 {
		t.Fatalf("200 lines on %d pages", n)
	}
	for i, text := range pages {
		if want := fmt.Sprintf("Página %d de %d", i+1, n); !strings.Contains(text, want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
		if !strings.Contains(text, "Precio unitario") {
			t.Errorf("page %d has no column heads", i+1)
		}
	}
	all := strings.Join(pages, "")
	for i := 1; i <= 200; i++ {
		if !strings.Contains(all, fmt.Sprintf("(PAN-%03d)", i)) {
			t.Errorf("line %d is missing", i)
		}
	}
	if last := pages[n-1]; !strings.Contains(last, "PAN-200") || !strings.Contains(last, money(d.Totals.Total, "MXN")) {
		t.Errorf("the last page has not the last line and the total:\n%s", last)
	}
	golden(t, "invoice_200_lines_last_page.png", pdf, n)
}

// The first page of an invoice, as a person sees it, matches its golden
// image (go test ./internal/pdf -update rewrites it; look at it before
// committing).
func TestPDFGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  func() *Document
	}{
		{"invoice_es.png", func() *Document { return sample(Spanish, 3) }},
		{"invoice_en_draft_test.png", func() *Document {
			d := sample(English, 3)
			d.Status, d.Livemode, d.Number = invoicing.StatusDraft, false, ""
			return d
		}},
	} {
		golden(t, c.name, render(t, c.doc()), 1)
	}
}

// golden renders page of pdf at 40 dpi and compares it with
// testdata/name: at most 0.5 % of the pixels may differ by more than a
// few levels (poppler versions antialias differently), and the page is
// not blank.
func golden(t *testing.T, name string, pdf []byte, page int) {
	t.Helper()
	raw := poppler(t, pdf, "pdftoppm", "-png", "-r", "40", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-singlefile")
	got, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if inked(got) < 0.02 {
		t.Fatalf("%s: the page is blank", name)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/pdf -run %s -update writes it)", err, t.Name())
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bounds() != want.Bounds() {
		t.Fatalf("%s: %v, golden %v", name, got.Bounds(), want.Bounds())
	}
	if d := differing(got, want); d > 0.005 {
		t.Errorf("%s: %.2f %% of the pixels differ from the golden image (rerun with -update and look at it if the change is intended)", name, 100*d)
	}
}

// inked is the share of pixels that are not white.
func inked(img image.Image) float64 {
	b, n := img.Bounds(), 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// differing is the share of pixels whose channels differ by more than 24
// levels of 255.
func differing(a, b image.Image) float64 {
	r, n := a.Bounds(), 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

func far(a, b uint32) bool { return max(a, b)-min(a, b) > 24*257 }
