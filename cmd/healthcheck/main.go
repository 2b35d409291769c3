// Command healthcheck probes a URL and exits 0 on a 2xx answer. The
// distroless image has no shell, curl or wget, so container health checks
// use this.
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: healthcheck URL")
		os.Exit(2)
	}
	client := &http.Client{Timeout: 3 * time.Second}
	res, err := client.Get(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		fmt.Fprintln(os.Stderr, res.Status)
		os.Exit(1)
	}
}
