package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// ServeAPIGateway serves an API Gateway HTTP API (payload 2.0) request with
// the same handler as the local server.
func ServeAPIGateway(ctx context.Context, h http.Handler, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("httpapi: decode base64 body: %w", err)
		}
		body = b
	}
	// rawPath is the path as the client sent it, percent-escapes and all
	// (a GitHub ticket id is "owner%2Frepo%2342" there); it is unescaped
	// once, not escaped again.
	u := &url.URL{Path: req.RawPath, RawQuery: req.RawQueryString}
	if p, err := url.PathUnescape(req.RawPath); err == nil {
		u.Path, u.RawPath = p, req.RawPath
	}
	if u.Path == "" {
		u.Path = req.RequestContext.HTTP.Path
	}
	r, err := http.NewRequestWithContext(ctx, req.RequestContext.HTTP.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("httpapi: build request: %w", err)
	}
	for k, v := range req.Headers {
		r.Header.Set(k, v) // API Gateway joins repeated headers with commas
	}
	r.Host = req.RequestContext.DomainName
	r.Header.Set("X-Forwarded-Proto", "https")
	if len(req.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(req.Cookies, "; "))
	}
	w := &response{header: http.Header{}, status: http.StatusOK}
	h.ServeHTTP(w, r)
	out := events.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: map[string]string{}, Body: w.body.String()}
	for k := range w.header {
		out.Headers[k] = w.header.Get(k)
	}
	return out, nil
}

// response collects what a handler writes.
type response struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
}

func (w *response) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
