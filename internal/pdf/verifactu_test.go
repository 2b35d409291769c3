package pdf

import (
	"bytes"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/facturo/facturo/internal/verifactu"
)

const qrAddress = "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345674&numserie=A-12&fecha=14-03-2026&importe=1160.00"

// An invoice with a VeriFactu record shows, before the client, the
// legends AEAT asks for and the address its QR code holds; a document
// without one shows none of it.
func TestVerifactuLegendsOnTheInvoice(t *testing.T) {
	d := sample(Spanish, 2)
	d.Verifactu = qrAddress
	text := strings.Join(strings.Fields(pdfText(t, render(t, d))), " ")
	for _, w := range []string{verifactu.LegendVerifactu, verifactu.LegendVerifiable, qrAddress} {
		if !strings.Contains(text, w) {
			t.Errorf("the PDF lacks %q:\n%s", w, text)
		}
	}
	if i, j := strings.Index(text, verifactu.LegendVerifactu), strings.Index(text, d.Client.LegalName); i > j {
		t.Errorf("the VeriFactu mark comes after the client")
	}
	plain := pdfText(t, render(t, sample(Spanish, 2)))
	if strings.Contains(plain, verifactu.LegendVerifactu) || strings.Contains(plain, "ValidarQR") {
		t.Errorf("a document without a record shows the VeriFactu mark")
	}
}

// The code drawn is the QR code of the address, module for module: the
// page is rasterized and each module's centre compared with the code.
func TestVerifactuQRDrawnModuleForModule(t *testing.T) {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes("dejavu", "", regularFont)
	f.AddUTF8FontFromBytes("dejavu", "B", boldFont)
	f.AddPage()
	const top = 40.0
	f.SetY(top)
	p := &page{f: f, d: &Document{Verifactu: qrAddress}, l: labelsFor(Spanish)}
	p.verifactuMark()
	if f.GetY() != top+qrSide+4 {
		t.Errorf("the mark ends at %v mm, want %v", f.GetY(), top+qrSide+4)
	}
	var out bytes.Buffer
	if err := f.Output(&out); err != nil {
		t.Fatal(err)
	}
	const dpi = 300.0
	img, err := png.Decode(bytes.NewReader(poppler(t, out.Bytes(), "pdftoppm", "-png", "-r", "300", "-singlefile")))
	if err != nil {
		t.Fatal(err)
	}
	want, err := verifactu.QR(qrAddress)
	if err != nil {
		t.Fatal(err)
	}
	cell := qrSide / float64(len(want))
	px := func(mm float64) int { return int(mm / 25.4 * dpi) }
	wrong := 0
	for y, row := range want {
		for x, dark := range row {
			c := color.GrayModel.Convert(img.At(px(margin+(float64(x)+0.5)*cell), px(top+(float64(y)+0.5)*cell))).(color.Gray)
			if (c.Y < 128) != dark {
				wrong++
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d modules differ from the code of the address", wrong, len(want)*len(want))
	}
}
