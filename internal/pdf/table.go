package pdf

import (
	"strings"

	"github.com/shopspring/decimal"

	"github.com/facturo/facturo/internal/invoicing"
)

// table writes the lines, breaking pages where they run out and writing
// the column heads again on each.
func (p *page) table() {
	p.tableHead()
	for i, ln := range p.d.Lines {
		p.tableRow(i, ln)
	}
	p.f.Ln(3)
}

func (p *page) tableHead() {
	f := p.f
	heads := []string{p.l.description, p.l.quantity, p.l.unitPrice, p.l.discount, p.l.line}
	f.SetFillColor(p.accent[0], p.accent[1], p.accent[2])
	p.font("B", 8)
	p.color(white)
	f.SetX(margin)
	for i, h := range heads {
		align := "R"
		if i == 0 {
			align = "L"
		}
		f.CellFormat(columns[i], 7, " "+h+" ", "", 0, align, true, 0, "")
	}
	f.Ln(7)
}

// tableRow writes one line; its description wraps, and the row moves to
// the next page whole when it does not fit.
func (p *page) tableRow(i int, ln invoicing.LineView) {
	f := p.f
	p.font("", 8.5)
	desc := ln.Product.Description
	if ln.Product.SKU != "" {
		desc += " (" + ln.Product.SKU + ")"
	}
	lines := f.SplitText(desc, columns[0]-3)
	h := 4.4*float64(max(1, len(lines))) + 2.4
	if f.GetY()+h > pageH-bottom {
		f.AddPage()
		p.tableHead()
		p.font("", 8.5)
	}
	y := f.GetY()
	if i%2 == 1 {
		f.SetFillColor(0xf5, 0xf6, 0xf8)
		f.Rect(margin, y, contentW, h, "F")
	}
	p.color(black)
	for j, t := range lines {
		f.SetXY(margin+1.5, y+1.2+4.4*float64(j))
		f.CellFormat(columns[0]-3, 4.4, t, "", 0, "L", false, 0, "")
	}
	x := margin + columns[0]
	for j, v := range []string{quantityText(ln.Quantity), money(priceText(ln.UnitPrice), p.d.Currency), discountText(ln.Discount, p.d.Currency), money(ln.Subtotal, p.d.Currency)} {
		f.SetXY(x, y+1.2)
		f.CellFormat(columns[j+1]-1.5, 4.4, v, "", 0, "R", false, 0, "")
		x += columns[j+1]
	}
	f.SetDrawColor(0xe2, 0xe5, 0xea)
	f.Line(margin, y+h, margin+contentW, y+h)
	f.SetY(y + h)
}

// totals writes subtotal, discount, every tax as grouped in the totals,
// withholdings, the total, and the total in words.
func (p *page) totals() {
	f := p.f
	rows := [][2]string{{p.l.subtotal, money(p.d.Totals.Subtotal, p.d.Currency)}}
	if !isZero(p.d.Totals.Discount) {
		rows = append(rows, [2]string{p.l.discount, "−" + money(p.d.Totals.Discount, p.d.Currency)})
	}
	for _, t := range p.d.Totals.Taxes {
		rows = append(rows, p.fx.taxRows(p.l, t, p.d.Currency)...)
	}
	need := 7*float64(len(rows)) + 30
	if f.GetY()+need > pageH-bottom {
		f.AddPage()
	}
	x, w := pageW-margin-80, 80.0
	for _, r := range rows {
		f.SetX(x)
		p.font("", 9)
		p.color(grey)
		f.CellFormat(w-34, 6, r[0], "", 0, "R", false, 0, "")
		p.color(black)
		f.CellFormat(34, 6, r[1], "", 1, "R", false, 0, "")
	}
	y := f.GetY() + 1
	f.SetFillColor(p.accent[0], p.accent[1], p.accent[2])
	f.Rect(x, y, w, 9, "F")
	f.SetXY(x, y+1.5)
	p.font("B", 11)
	p.color(white)
	f.CellFormat(w-34, 6, p.l.total+" "+p.d.Currency, "", 0, "R", false, 0, "")
	f.CellFormat(33, 6, money(p.d.Totals.Total, p.d.Currency), "", 1, "R", false, 0, "")
	f.SetY(y + 12)
	p.amountInWords()
}

func (p *page) amountInWords() {
	f := p.f
	total, err := decimal.NewFromString(p.d.Totals.Total)
	if err != nil {
		return
	}
	p.font("B", 7.5)
	p.color(p.accent)
	f.SetX(margin)
	f.CellFormat(contentW, 4.5, strings.ToUpper(p.l.amountInWords), "", 1, "L", false, 0, "")
	p.font("", 9)
	p.color(black)
	f.SetX(margin)
	f.MultiCell(contentW, 5, AmountInWords(total, p.d.Currency, p.l.lang), "", "L", false)
	f.Ln(4)
}

// facts writes the labelled values, the notes and the related documents.
func (p *page) facts() {
	f := p.f
	for _, fact := range p.d.Facts {
		if fact.Value == "" {
			continue
		}
		p.ensure(6)
		f.SetX(margin)
		p.font("", 8.5)
		p.color(grey)
		f.CellFormat(40, 5, fact.Label, "", 0, "L", false, 0, "")
		p.font("", 9)
		p.color(black)
		f.CellFormat(contentW-40, 5, fact.Value, "", 1, "L", false, 0, "")
	}
	p.paragraph(p.l.related, strings.Join(p.d.Related, "\n"))
	p.paragraph(p.l.notes, p.d.Notes)
}

func (p *page) paragraph(title, text string) {
	if text == "" {
		return
	}
	f := p.f
	p.font("", 9)
	lines := f.SplitText(text, contentW)
	f.Ln(3)
	p.ensure(5 + 4.6*float64(len(lines)))
	p.font("B", 7.5)
	p.color(p.accent)
	f.SetX(margin)
	f.CellFormat(contentW, 4.5, strings.ToUpper(title), "", 1, "L", false, 0, "")
	p.font("", 9)
	p.color(black)
	for _, ln := range lines {
		p.ensure(4.6)
		f.SetX(margin)
		f.CellFormat(contentW, 4.6, ln, "", 1, "L", false, 0, "")
	}
}

// ensure starts a new page unless h millimetres fit on this one.
func (p *page) ensure(h float64) {
	if p.f.GetY()+h > pageH-bottom {
		p.f.AddPage()
	}
}

func isZero(s string) bool {
	d, err := decimal.NewFromString(s)
	return err == nil && d.IsZero()
}

func discountText(s, currency string) string {
	if isZero(s) {
		return "—"
	}
	return money(s, currency)
}

// rateText is "16%" for a rate of 0.16, the amount per unit for a quota,
// "Exento" for an exemption.
func rateText(t invoicing.TaxView) string {
	r, err := decimal.NewFromString(t.Rate)
	switch {
	case t.Factor == invoicing.FactorExempt:
		return t.Factor
	case err != nil:
		return t.Rate
	case t.Factor == invoicing.FactorQuota:
		return r.String() + "/u"
	}
	return r.Shift(2).String() + "%"
}

// priceText keeps two decimals and any further ones that are not zero:
// "617.28", "33.333333".
func priceText(s string) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	if d.Equal(d.Round(2)) {
		return d.StringFixed(2)
	}
	return d.String()
}

// quantityText drops the decimals of a whole quantity: "2", "1.5".
func quantityText(s string) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	return d.String()
}

// money writes an amount as it is printed: the currency's sign and
// thousands separated, "$1,234.56", "€12.00"; a currency without a sign
// gets none (its code is beside the total).
func money(s, currency string) string {
	sign := map[string]string{"MXN": "$", "USD": "$", "EUR": "€", "GBP": "£"}[currency]
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := sign + b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "−" + out
	}
	return out
}
