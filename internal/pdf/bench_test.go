package pdf

import "testing"

// BenchmarkRender renders a three-line invoice with a logo; the 200-line
// one shows how the cost grows with the pages.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{3, 200} {
		d := sample(Spanish, n)
		b.Run(map[int]string{3: "3_lines", 200: "200_lines"}[n], func(b *testing.B) {
			for b.Loop() {
				if _, err := Render(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
