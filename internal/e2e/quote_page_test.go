package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/app"
)

// A sent quote's email carries its accept/reject link under
// FACTURO_PUBLIC_URL, and the link opened in a browser is a page with the
// quote and Accept / Reject buttons: its forms answer as the JSON calls do
// and come back to the page, and a refused answer shows why.
func TestQuoteLinkInTheEmailOpensAPage(t *testing.T) {
	s := startSystemWith(t, func(c *app.Config) { c.Mail.PublicURL = "https://quotes.example.com" })
	key := s.newTenant("quote-page@example.com").live
	client := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	q := s.must(201, "POST", "/v1/quotes", key, quoteBody(client, item(product("1160.00", true, iva("0.16")), "2"))).str("id")
	link := s.must(200, "POST", "/v1/quotes/"+q+"/send", key, nil).str("public_url")

	var email string
	eventually(t, "the quote's email", func() bool {
		for _, m := range s.mailbox.messages() {
			if strings.Contains(string(m), "Q-1") {
				email = string(m)
			}
		}
		return email != ""
	})
	flat := strings.ReplaceAll(strings.ReplaceAll(email, "=\r\n", ""), "\r\n", "\n") // undo quoted-printable soft breaks
	if !strings.Contains(flat, ": https://quotes.example.com"+link+"\n") || !strings.Contains(flat, `href=3D"https://quotes.example.com`) {
		t.Errorf("the email does not carry the link https://quotes.example.com%s:\n%s", link, flat)
	}

	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := func(method, path string, form url.Values) (int, string, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, s.base+path, body)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusSeeOther && !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s %s: Content-Type %q, want HTML", method, path, ct)
		}
		return res.StatusCode, res.Header.Get("Location"), string(b)
	}
	status, _, html := page("GET", link, nil)
	if status != 200 || !strings.Contains(html, "Quote Q-1") || !strings.Contains(html, "2320.00") || !strings.Contains(html, "Accept the quote") {
		t.Fatalf("the page: %d %.800s", status, html)
	}
	if status, loc, _ := page("POST", link+"/accept", url.Values{}); status != http.StatusSeeOther || loc != link {
		t.Fatalf("accept by the form: %d to %q", status, loc)
	}
	got := s.must(200, "GET", "/v1/quotes/"+q, key, nil)
	if got.str("status") != "accepted" || got.str("answer", "via") != "public_link" || got.str("answer", "ip") == "" {
		t.Errorf("accepted by the page: %s", got.Raw)
	}
	if _, _, html := page("GET", link, nil); !strings.Contains(html, `id="status">accepted`) || strings.Contains(html, "Accept the quote") {
		t.Errorf("the answered page still offers the buttons: %.600s", html)
	}
	status, _, html = page("POST", link+"/reject", url.Values{"reason": {"too late"}})
	if status != http.StatusConflict || !strings.Contains(html, `role="alert"`) {
		t.Errorf("reject an accepted quote by the form: %d %.600s", status, html)
	}
	if got := s.must(200, "GET", "/v1/quotes/"+q, key, nil); got.str("status") != "accepted" {
		t.Errorf("the refused reject changed the quote: %s", got.Raw)
	}
	if status, _, html := page("GET", "/public/quotes/"+strings.Repeat("A", 52), nil); status != http.StatusNotFound || !strings.Contains(html, "No quote has this link") {
		t.Errorf("an unknown link: %d %.300s", status, html)
	}
	// An API client still gets JSON.
	if pub := s.must(200, "GET", link, "", nil); pub.str("status") != "accepted" {
		t.Errorf("the JSON view: %s", pub.Raw)
	}
}
