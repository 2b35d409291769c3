package mail

import "testing"

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want Config
	}{
		{"", Config{}},
		{"smtp://ana:s%40cret@mail.example.com", Config{Host: "mail.example.com", Port: 587, Username: "ana", Password: "s@cret", TLS: StartTLS}},
		{"smtp://mail.example.com:2525", Config{Host: "mail.example.com", Port: 2525, TLS: StartTLS}},
		{"smtps://u:p@mail.example.com", Config{Host: "mail.example.com", Port: 465, Username: "u", Password: "p", TLS: Implicit}},
		{"smtp://127.0.0.1:1025?tls=none", Config{Host: "127.0.0.1", Port: 1025, TLS: NoTLS}},
	} {
		got, err := ParseURL(tc.raw)
		if err != nil || got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
	}
	for _, bad := range []string{"http://mail.example.com", "smtp://", "smtp://h:0", "smtp://h:99999", "smtps://h?tls=none", "smtp://h?tls=off", "smtp://h?x=1"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"FACTURO_SMTP_URL": "smtp://h", "FACTURO_MAIL_FROM": "Facturo <billing@example.com>"}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || !c.Configured() || c.From != `"Facturo" <billing@example.com>` {
		t.Errorf("%+v, %v", c, err)
	}
	env["FACTURO_MAIL_FROM"] = "not an address"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Error("a bad FACTURO_MAIL_FROM was accepted")
	}
	delete(env, "FACTURO_MAIL_FROM")
	c, _ = ConfigFromEnv(func(k string) string { return env[k] })
	if c.Configured() || c.Missing() != "email is not configured: set FACTURO_MAIL_FROM" {
		t.Errorf("%+v: %q", c, c.Missing())
	}
}
