package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
)

// sample is an issued invoice of a Mexican organization with a logo, in
// lang, with n lines: what the golden files show.
func sample(lang string, n int) *Document {
	at := time.Date(2026, 3, 14, 17, 30, 0, 0, time.UTC)
	org := accounts.Organization{ID: "org_01J9ZQ7V3K8M2N4P6R8S0T1W3X", Name: "Panadería Ñandú", LegalName: "Panadería Ñandú SA de CV",
		TaxID: "PAÑ010101AB1", Version: 3, Branding: accounts.Branding{AccentColor: "#8a3b12", DocumentLanguage: lang,
			FooterText: "Gracias por su compra · Régimen 601 · pagos@ñandú.mx", Address: "Av. Insurgentes Sur 1234, Col. Del Valle, 03100 Ciudad de México"}}
	d := &Document{Kind: "invoice", ID: "inv_01J9ZQ7V3K8M2N4P6R8S0T1W3X", Version: 2, Type: invoicing.TypeIncome,
		Number: "A-12", Status: invoicing.StatusValid, Livemode: true, Date: at, Stamp: at, Issuer: org, Logo: sampleLogo(),
		Client: &invoicing.ClientSnapshot{LegalName: "Café Peñón del Águila SC", TaxID: "CPA020202XY9", TaxSystem: "601",
			Email: "cuentas@peñon.mx", Address: invoicing.Address{Street: "Calle Ñ", Exterior: "7", City: "Mérida", State: "Yucatán", Zip: "97000", Country: "MEX"}},
		Currency: "MXN", Notes: "Entrega en almacén. Precios en pesos; € y $ se aceptan.",
		Facts: []Fact{{labelsFor(lang).paymentForm, labelsFor(lang).paymentFormName("03")}, {labelsFor(lang).paymentMethod, labelsFor(lang).paymentMethodName("PUE")}, {labelsFor(lang).use, "G03"}}}
	iva := invoicing.TaxView{Type: "IVA", Rate: "0.160000", Factor: "Tasa"}
	isr := invoicing.TaxView{Type: "ISR", Rate: "0.100000", Factor: "Tasa", Withholding: true}
	for i := range n {
		d.Lines = append(d.Lines, invoicing.LineView{
			Product:  invoicing.LineProductView{Description: fmt.Sprintf("Pan de muerto relleno de nata, pieza %d — horneado el día", i+1), SKU: fmt.Sprintf("PAN-%03d", i+1)},
			Quantity: "2", UnitPrice: "617.280000", Subtotal: "1234.56", Discount: "0.00"})
	}
	d.Totals = invoicing.TotalsView{Subtotal: "1234.56", Discount: "0.00",
		Taxes:            []invoicing.AmountView{{TaxView: iva, Base: "1234.56", Amount: "197.53"}, {TaxView: isr, Base: "1234.56", Amount: "123.46"}},
		TotalTransferred: "197.53", TotalWithheld: "123.46", Total: "1308.63"}
	return d
}

// sampleLogo is a small two-colour PNG.
func sampleLogo() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 120, 60))
	for y := range 60 {
		for x := range 120 {
			c := color.NRGBA{0x8a, 0x3b, 0x12, 0xff}
			if (x-30)*(x-30)+(y-30)*(y-30) < 400 {
				c = color.NRGBA{0xf2, 0xb1, 0x34, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
