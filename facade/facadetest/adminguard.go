package facadetest

import (
	"errors"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// adminRefusal says why the admin API refuses a request, "" when it answers it. It answers only what a
// program on this machine sends: from a loopback address (a forwarding header proves nothing), to a
// loopback Host with its port (a page on a rebound DNS name sends its own name), with no Origin but the
// server's own (a browser names the page a cross-site request comes from), and writes only as JSON (a
// form or text/plain post, which a page may send without asking, is refused).
func adminRefusal(r *http.Request) error {
	switch {
	case !fromLoopback(r):
		return errors.New("the admin API answers loopback clients only")
	case !loopbackHost(r.Host):
		return errors.New("the admin API answers only requests to a loopback Host with its port (localhost, 127.0.0.1 or [::1])")
	case crossSite(r):
		return errors.New("the admin API refuses requests from web pages (Origin or Sec-Fetch-Site of another site)")
	case r.Method != http.MethodGet && r.Method != http.MethodHead && !isJSON(r.Header.Get("Content-Type")):
		return errors.New("the admin API takes writes as Content-Type: application/json only")
	}
	return nil
}

func fromLoopback(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && ap.Addr().Zone() == "" && ap.Addr().Unmap().IsLoopback()
}

// loopbackHost says whether a Host header names a loopback address or localhost, with a port.
func loopbackHost(hostport string) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || port == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback() && !strings.Contains(host, "%")
}

// crossSite says whether a browser sent the request from a page of another origin than the server.
func crossSite(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	return !strings.EqualFold(origin, "http://"+r.Host) && !strings.EqualFold(origin, "https://"+r.Host)
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}
