package opsgenietest

import (
	"net/http"
	"strings"
	"testing"
)

// The server refuses what the documentation says Opsgenie refuses.
func TestContract(t *testing.T) {
	const key = "k"
	srv := NewServer(key)
	defer srv.Close()
	long := func(n int) string { return strings.Repeat("é", n) }
	for _, tt := range []struct {
		name, method, path, auth, ctype, body string
		want                                  int
	}{
		{"create", "POST", "/v2/alerts", "GenieKey k", "application/json", `{"message":"m","alias":"a/b"}`, 202},
		{"de-duplicated", "POST", "/v2/alerts", "GenieKey k", "application/json", `{"message":"m2","alias":"a/b","priority":"P1"}`, 202},
		{"no key", "POST", "/v2/alerts", "", "application/json", `{"message":"m"}`, 401},
		{"bearer", "POST", "/v2/alerts", "Bearer k", "application/json", `{"message":"m"}`, 401},
		{"no message", "POST", "/v2/alerts", "GenieKey k", "application/json", `{"alias":"x"}`, 422},
		{"message 131", "POST", "/v2/alerts", "GenieKey k", "application/json", `{"message":"` + long(131) + `"}`, 422},
		{"message 130", "POST", "/v2/alerts", "GenieKey k", "application/json", `{"message":"` + long(130) + `"}`, 202},
		{"alias 513", "POST", "/v2/alerts", "GenieKey k", "application/json", `{"message":"m","alias":"` + long(513) + `"}`, 422},
		{"priority P6", "POST", "/v2/alerts", "GenieKey k", "application/json", `{"message":"m","priority":"P6"}`, 422},
		{"tag 51", "POST", "/v2/alerts", "GenieKey k", "application/json", `{"message":"m","tags":["` + long(51) + `"]}`, 422},
		{"bad JSON", "POST", "/v2/alerts", "GenieKey k", "application/json", `{"message":`, 400},
		{"not JSON", "POST", "/v2/alerts", "GenieKey k", "text/plain", `{"message":"m"}`, 415},
		{"priority", "PUT", "/v2/alerts/a%2Fb/priority?identifierType=alias", "GenieKey k", "application/json", `{"priority":"P2"}`, 202},
		{"priority bad", "PUT", "/v2/alerts/a%2Fb/priority?identifierType=alias", "GenieKey k", "application/json", `{"priority":"high"}`, 422},
		{"identifierType", "POST", "/v2/alerts/a%2Fb/close?identifierType=name", "GenieKey k", "application/json", `{}`, 422},
		{"close", "POST", "/v2/alerts/a%2Fb/close?identifierType=alias", "GenieKey k", "application/json", `{"source":"s","note":"n"}`, 202},
		{"close unknown", "POST", "/v2/alerts/nope/close?identifierType=alias", "GenieKey k", "application/json", `{}`, 202},
		{"wrong method", "GET", "/v2/alerts/a%2Fb/close?identifierType=alias", "GenieKey k", "", ``, 405},
		{"no such path", "POST", "/v1/alerts", "GenieKey k", "application/json", `{"message":"m"}`, 404},
	} {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
	var ab []Alert
	for _, a := range srv.Alerts() {
		if a.Alias == "a/b" {
			ab = append(ab, a)
		}
	}
	// One alert for a/b: created once, counted twice, the de-duplicated
	// create changed nothing, the update raised it to P2, closed.
	if len(ab) != 1 || ab[0].Count != 2 || ab[0].Message != "m" || ab[0].Priority != "P2" || ab[0].Status != "closed" || ab[0].CloseNote != "n" {
		t.Errorf("alerts for a/b: %+v", ab)
	}
}
