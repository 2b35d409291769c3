package invoicing

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestProductRefJSON(t *testing.T) {
	var items []ItemInput
	raw := `[{"product":"prd_1","quantity":"2"},{"product":{"description":"x","price":"1.5"}}]`
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		t.Fatal(err)
	}
	if items[0].Product.ID != "prd_1" || items[1].Product.Inline == nil || items[1].Product.Inline.Price.String() != "1.5" {
		t.Errorf("decoded %+v", items)
	}
	if got := ProductIDs(append(items, items[0])); !reflect.DeepEqual(got, []string{"prd_1"}) {
		t.Errorf("ProductIDs = %v", got)
	}
	var bad ItemInput
	if err := json.Unmarshal([]byte(`{"product":{"description":"x","price":"1","colour":"red"}}`), &bad); err == nil {
		t.Error("an unknown field of an inline product was accepted")
	}
}
