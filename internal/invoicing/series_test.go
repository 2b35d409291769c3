package invoicing

import (
	"testing"

	"github.com/facturo/facturo"
)

func TestSeries(t *testing.T) {
	s := &stream{id: "ser_1"}
	d, err := NewSeries(SeriesInput{Code: "nc"})
	s.must(t, d, err)
	ser, _ := FoldSeries(s.history)
	if v := ser.View(); v.Code != "NC" || v.NextNumber != 1 || v.Object != "series" {
		t.Errorf("view %+v", v)
	}
	if got := ser.FormatNumber("NC", 7); got != "NC-7" {
		t.Errorf("number %s", got)
	}
	d, err = ser.Update(SeriesPatch{Prefix: ptr("NC-"), NextNumber: ptr(int64(100))})
	s.must(t, d, err)
	ser, _ = FoldSeries(s.history)
	if got := ser.FormatNumber("NC", 100); got != "NC-100" || ser.NextNumber != 100 {
		t.Errorf("number %s next %d", got, ser.NextNumber)
	}
	if got := (*Series)(nil).FormatNumber("A", 3); got != "A-3" {
		t.Errorf("no series: %s", got)
	}
	for _, tt := range []struct {
		in    SeriesInput
		code  string
		param string
	}{
		{SeriesInput{}, facturo.CodeParameterMissing, "code"},
		{SeriesInput{Code: "A B"}, facturo.CodeParameterInvalid, "code"},
		{SeriesInput{Code: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, facturo.CodeParameterInvalid, "code"},
		{SeriesInput{Code: "A", NextNumber: -1}, facturo.CodeParameterInvalid, "next_number"},
	} {
		d, err := NewSeries(tt.in)
		wantCode(t, d, err, tt.code, tt.param)
	}
	d, err = ser.Update(SeriesPatch{NextNumber: ptr(int64(0))})
	wantCode(t, d, err, facturo.CodeParameterInvalid, "next_number")
}
