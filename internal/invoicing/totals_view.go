package invoicing

// LineView is the public JSON of one line.
type LineView struct {
	Product   LineProductView `json:"product"`
	Quantity  string          `json:"quantity"`
	UnitPrice string          `json:"unit_price"`
	Subtotal  string          `json:"subtotal"`
	Discount  string          `json:"discount"`
	Taxes     []AmountView    `json:"taxes"`
}

// LineProductView is the copy of the product a line was made from.
type LineProductView struct {
	ID          string    `json:"id,omitempty"`
	Description string    `json:"description"`
	Price       string    `json:"price"`
	TaxIncluded bool      `json:"tax_included"`
	Taxes       []TaxView `json:"taxes"`
	UnitKey     string    `json:"unit_key"`
	UnitName    string    `json:"unit_name"`
	ProductKey  string    `json:"product_key"`
	SKU         string    `json:"sku"`
}

// AmountView is one tax with its base and amount, for a line or a total.
type AmountView struct {
	TaxView
	Base   string `json:"base"`
	Amount string `json:"amount"`
}

// TotalsView is the public JSON of a document's amounts.
type TotalsView struct {
	Subtotal         string       `json:"subtotal"`
	Discount         string       `json:"discount"`
	Taxes            []AmountView `json:"taxes"`
	TotalTransferred string       `json:"total_transferred"`
	TotalWithheld    string       `json:"total_withheld"`
	Total            string       `json:"total"`
}

func lineViews(lines []Line) []LineView {
	out := make([]LineView, len(lines))
	for i, l := range lines {
		taxes := make([]AmountView, len(l.Taxes))
		for j, t := range l.Taxes {
			taxes[j] = AmountView{TaxView: t.view(), Base: fmtMoney(t.Base), Amount: fmtMoney(t.Amount)}
		}
		p := l.Product
		out[i] = LineView{
			Product: LineProductView{
				ID: l.ProductID, Description: p.Description, Price: fmtPrice(p.Price),
				TaxIncluded: p.TaxIncluded, Taxes: taxViews(p.Taxes), UnitKey: p.UnitKey,
				UnitName: p.UnitName, ProductKey: p.ProductKey, SKU: p.SKU,
			},
			Quantity: fmtPrice(l.Quantity), UnitPrice: fmtPrice(l.UnitPrice),
			Subtotal: fmtMoney(l.Subtotal), Discount: fmtMoney(l.Discount), Taxes: taxes,
		}
	}
	return out
}

func (t Totals) view() TotalsView {
	taxes := make([]AmountView, len(t.Taxes))
	for i, g := range t.Taxes {
		taxes[i] = AmountView{TaxView: g.view(), Base: fmtMoney(g.Base), Amount: fmtMoney(g.Amount)}
	}
	return TotalsView{
		Subtotal: fmtMoney(t.Subtotal), Discount: fmtMoney(t.Discount), Taxes: taxes,
		TotalTransferred: fmtMoney(t.TotalTransferred), TotalWithheld: fmtMoney(t.TotalWithheld),
		Total: fmtMoney(t.Total),
	}
}
