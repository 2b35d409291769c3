// Package browser holds the dashboard's tests in a real browser: headless
// Chromium driven with chromedp against a whole running Facturo
// (dashtest.Start), and the screenshots of docs/dashboard.md
// (make screenshots). The tests skip when no Chromium is installed.
package browser
