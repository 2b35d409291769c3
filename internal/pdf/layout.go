package pdf

import (
	"bytes"
	_ "embed" // the fonts
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/facturo/facturo/internal/invoicing"
)

// DejaVu Sans: a UTF-8 font with every accent, ñ, € and $ (Bitstream Vera
// license, which allows embedding; see fonts/LICENSE).
var (
	//go:embed fonts/DejaVuSans.ttf
	regularFont []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldFont []byte
)

// Page geometry, in millimetres (A4 portrait).
const (
	pageW, pageH = 210.0, 297.0
	margin       = 15.0
	contentW     = pageW - 2*margin
	bottom       = 22.0 // room for the footer
)

// columns of the lines table: description, quantity, unit price,
// discount, amount.
var columns = []float64{82, 20, 28, 22, 28}

// page is one PDF being written, with the document and its words.
type page struct {
	f      *fpdf.Fpdf
	d      *Document
	l      labels
	fx     fiscalText
	accent [3]int
}

// Render lays d out as a PDF. The creation date is the time of the last
// event shown, never the clock, so the same d gives the same bytes.
func Render(d *Document) ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true)
	f.SetCreationDate(d.Stamp)
	f.SetModificationDate(d.Stamp)
	f.SetTitle(d.Filename(), true)
	f.SetAuthor(d.Issuer.LegalNameOrName(), true)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(false, bottom)
	f.AddUTF8FontFromBytes("dejavu", "", regularFont)
	f.AddUTF8FontFromBytes("dejavu", "B", boldFont)
	f.AliasNbPages("{nb}")
	fx := fiscalFor(d.Issuer.Country)
	p := &page{f: f, d: d, l: fx.labels(labelsFor(d.Issuer.Branding.DocumentLanguage)), fx: fx, accent: hexColor(d.Issuer.Branding.AccentColor)}
	f.SetHeaderFunc(p.header)
	f.SetFooterFunc(p.footer)
	f.AddPage()
	p.heading()
	p.verifactuMark()
	p.client()
	p.table()
	p.totals()
	p.facts()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("pdf of %s: %w", d.ID, err)
	}
	var out bytes.Buffer
	if err := f.Output(&out); err != nil {
		return nil, fmt.Errorf("pdf of %s: %w", d.ID, err)
	}
	return out.Bytes(), nil
}

func hexColor(s string) [3]int {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil || len(s) != 7 {
		return [3]int{0x1f, 0x4e, 0x79}
	}
	return [3]int{int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)}
}

func (p *page) font(style string, size float64) { p.f.SetFont("dejavu", style, size) }

func (p *page) color(c [3]int) { p.f.SetTextColor(c[0], c[1], c[2]) }

var (
	black = [3]int{0x22, 0x22, 0x22}
	grey  = [3]int{0x66, 0x66, 0x66}
	white = [3]int{0xff, 0xff, 0xff}
)

// header runs at the start of every page: the accent band, the
// watermarks under everything else, and from the second page on a reminder
// of which document this is.
func (p *page) header() {
	f := p.f
	f.SetFillColor(p.accent[0], p.accent[1], p.accent[2])
	f.Rect(0, 0, pageW, 4, "F")
	p.watermarks()
	if f.PageNo() > 1 {
		p.font("B", 9)
		p.color(grey)
		f.SetXY(margin, 8)
		f.CellFormat(contentW, 5, p.l.title(p.d)+" "+p.d.numberOrID(), "", 1, "R", false, 0, "")
		f.SetY(16)
	}
}

// watermarks writes each word across the page, diagonally and light, so
// that no one takes a draft, a canceled or a test document for a valid one.
func (p *page) watermarks() {
	f := p.f
	for i, w := range p.d.Watermarks() {
		size := 64.0
		if len([]rune(w)) > 12 {
			size = 30
		}
		p.font("B", size)
		f.SetTextColor(0xd0, 0x30, 0x30)
		f.SetAlpha(0.18, "Normal")
		cx, cy := pageW/2, pageH/2+float64(i)*70-float64(len(p.d.Watermarks())-1)*35
		f.TransformBegin()
		f.TransformRotate(35, cx, cy)
		width := f.GetStringWidth(w)
		f.Text(cx-width/2, cy, w)
		f.TransformEnd()
		f.SetAlpha(1, "Normal")
	}
}

func (p *page) footer() {
	f := p.f
	f.SetDrawColor(p.accent[0], p.accent[1], p.accent[2])
	f.Line(margin, pageH-16, pageW-margin, pageH-16)
	p.font("", 7.5)
	p.color(grey)
	f.SetXY(margin, pageH-14.5)
	f.CellFormat(contentW-35, 4, p.d.Issuer.Branding.FooterText, "", 0, "L", false, 0, "")
	f.CellFormat(35, 4, fmt.Sprintf("%s %d %s {nb}", p.l.page, f.PageNo(), p.l.of), "", 0, "R", false, 0, "")
}

func (d *Document) numberOrID() string {
	if d.Number != "" {
		return d.Number
	}
	return d.ID
}

// heading writes the issuer (logo, names, tax id, address) on the left
// and the document's title, number, date and status on the right.
func (p *page) heading() {
	f := p.f
	top, x := 12.0, margin
	bottomY := top
	if p.d.Logo != nil {
		info := f.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(p.d.Logo))
		if info != nil && f.Error() == nil {
			w, h := fit(info.Width(), info.Height(), 38, 22)
			f.ImageOptions("logo", margin, top, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			x, bottomY = margin+w+5, top+h
		}
	}
	iss := p.d.Issuer
	lines := []struct {
		style string
		size  float64
		text  string
	}{{"B", 12, iss.LegalNameOrName()}}
	if iss.LegalName != "" && iss.Name != iss.LegalName {
		lines = append(lines, struct {
			style string
			size  float64
			text  string
		}{"", 9, iss.Name})
	}
	colW := pageW - margin - 72 - x
	f.SetXY(x, top)
	for _, ln := range lines {
		p.font(ln.style, ln.size)
		p.color(black)
		f.SetX(x)
		f.MultiCell(colW, 5.5, ln.text, "", "L", false)
	}
	p.font("", 8.5)
	p.color(grey)
	if iss.TaxID != "" {
		f.SetX(x)
		f.CellFormat(colW, 4.5, p.l.taxID+": "+iss.TaxID, "", 1, "L", false, 0, "")
	}
	if a := iss.Branding.Address; a != "" {
		f.SetX(x)
		f.MultiCell(colW, 4.2, a, "", "L", false)
	}
	bottomY = max(bottomY, f.GetY())
	bottomY = max(bottomY, p.documentBox(top))
	f.SetY(bottomY + 6)
}

// documentBox writes title, number, date and status at the top right and
// returns where it ends.
func (p *page) documentBox(top float64) float64 {
	f := p.f
	x, w := pageW-margin-75, 75.0
	f.SetXY(x, top)
	p.font("B", 16)
	p.color(p.accent)
	f.CellFormat(w, 8, p.l.title(p.d), "", 2, "R", false, 0, "")
	rows := [][2]string{}
	if p.d.Number != "" {
		rows = append(rows, [2]string{p.l.number, p.d.Number})
	}
	rows = append(rows, [2]string{p.l.date, p.l.dateText(p.d.Date)}, [2]string{p.l.status, p.l.statusName(p.d.Status)})
	for _, r := range rows {
		f.SetX(x)
		p.font("", 8.5)
		p.color(grey)
		f.CellFormat(w-35, 5, r[0], "", 0, "R", false, 0, "")
		p.font("B", 9)
		p.color(black)
		f.CellFormat(35, 5, r[1], "", 1, "R", false, 0, "")
	}
	p.font("", 7)
	p.color(grey)
	f.SetX(x)
	f.CellFormat(w, 4, p.d.ID, "", 1, "R", false, 0, "")
	return f.GetY()
}

func (l labels) dateText(t time.Time) string { return t.Format(time.DateOnly) }

// fit scales w×h into at most maxW×maxH millimetres, keeping its shape.
func fit(w, h, maxW, maxH float64) (float64, float64) {
	if w <= 0 || h <= 0 {
		return maxW, maxH
	}
	s := min(maxW/w, maxH/h)
	return w * s, h * s
}

// client writes the recipient's box: name, tax id and system, address,
// email. A receipt has none.
func (p *page) client() {
	c := p.d.Client
	if c == nil {
		return
	}
	f := p.f
	var detail []string
	if c.TaxID != "" {
		detail = append(detail, p.l.taxID+": "+c.TaxID)
	}
	if c.TaxSystem != "" {
		detail = append(detail, p.l.taxSystem+": "+c.TaxSystem)
	}
	if a := addressText(c.Address); a != "" {
		detail = append(detail, a)
	}
	if c.Email != "" {
		detail = append(detail, p.l.email+": "+c.Email)
	}
	y := f.GetY()
	h := 12 + 4.5*float64(len(detail))
	f.SetFillColor(0xf3, 0xf5, 0xf8)
	f.Rect(margin, y, contentW, h, "F")
	f.SetFillColor(p.accent[0], p.accent[1], p.accent[2])
	f.Rect(margin, y, 1.2, h, "F")
	f.SetXY(margin+4, y+2)
	p.font("B", 7.5)
	p.color(p.accent)
	f.CellFormat(contentW-8, 4, strings.ToUpper(p.l.billTo), "", 2, "L", false, 0, "")
	p.font("B", 10)
	p.color(black)
	f.CellFormat(contentW-8, 5.5, c.LegalName, "", 2, "L", false, 0, "")
	p.font("", 8.5)
	p.color(grey)
	for _, d := range detail {
		f.CellFormat(contentW-8, 4.5, d, "", 2, "L", false, 0, "")
	}
	f.SetY(y + h + 6)
}

func addressText(a invoicing.Address) string {
	street := strings.TrimSpace(strings.Join([]string{a.Street, a.Exterior}, " "))
	if a.Interior != "" {
		street += " int. " + a.Interior
	}
	var parts []string
	for _, s := range []string{street, a.Neighborhood, a.City, a.Municipality, a.State, strings.TrimSpace(a.Zip + " " + a.Country)} {
		if s = strings.TrimSuffix(s, " MEX"); strings.TrimSpace(s) != "" && s != "MEX" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}
