package pdf

import (
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction"
	"github.com/facturo/facturo/internal/verifactu"
)

// verifactuAddress is the ValidarQR address the QR code of an issued
// invoice of a Spanish organization holds (the one its registro de alta
// states: verifactu.InvoiceEntry), "" for a draft or another country's
// invoice. It depends only on the invoice and its organization, like the
// rest of the PDF.
func verifactuAddress(org *accounts.Organization, inv *invoicing.Invoice, livemode bool) string {
	if org.Country.OrDefault() != jurisdiction.ES || inv.Number == "" {
		return ""
	}
	return verifactu.QRURL(verifactu.InvoiceEntry(verifactu.KindAlta, org.TaxID, inv, ""), livemode)
}

// qrSide is the side of the VeriFactu QR code: AEAT asks for 30 to 40 mm.
const qrSide = 30.0

// verifactuMark draws, at the start of an invoice that has a VeriFactu
// record, its QR code and the legends AEAT asks for beside it; nothing
// for any other document.
func (p *page) verifactuMark() {
	if p.d.Verifactu == "" {
		return
	}
	modules, err := verifactu.QR(p.d.Verifactu)
	if err != nil {
		p.f.SetError(err)
		return
	}
	f := p.f
	top := f.GetY()
	cell := qrSide / float64(len(modules))
	f.SetFillColor(0, 0, 0)
	for y, row := range modules {
		for x, dark := range row {
			if dark {
				f.Rect(margin+float64(x)*cell, top+float64(y)*cell, cell, cell, "F")
			}
		}
	}
	x := margin + qrSide + 4
	f.SetXY(x, top+6)
	p.font("B", 11)
	p.color(black)
	f.CellFormat(contentW-qrSide-4, 6, verifactu.LegendVerifactu, "", 2, "L", false, 0, "")
	p.font("", 9)
	f.SetX(x)
	f.CellFormat(contentW-qrSide-4, 5, verifactu.LegendVerifiable, "", 2, "L", false, 0, "")
	p.font("", 6.5)
	p.color(grey)
	f.SetX(x)
	f.MultiCell(contentW-qrSide-4, 3.5, p.d.Verifactu, "", "L", false)
	f.SetY(top + qrSide + 4)
}
