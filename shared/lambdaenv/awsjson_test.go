package lambdaenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// signedServer checks each request's Signature Version 4 signature as AWS
// would — recomputed from what arrived (host, headers, the body's hash)
// with the test's secret key — and answers with the statuses and bodies
// given, one per request, the last repeated.
type signedServer struct {
	t       *testing.T
	answers []answer
	mu      sync.Mutex
	n       int
	bodies  []string
}

type answer struct {
	status int
	body   string
}

func (s *signedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	a := s.answers[min(s.n, len(s.answers)-1)]
	s.n++
	s.bodies = append(s.bodies, string(body))
	s.mu.Unlock()

	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		s.t.Errorf("X-Amz-Date %q: %v", r.Header.Get("X-Amz-Date"), err)
	}
	check, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), strings.NewReader(string(body)))
	for _, h := range []string{"Content-Type", "X-Amz-Target", "X-Amz-Security-Token"} {
		if v := r.Header.Get(h); v != "" {
			check.Header.Set(h, v)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret-key", SessionToken: "session"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, check, hex.EncodeToString(sum[:]), "ssm", "eu-west-1", when); err != nil {
		s.t.Fatal(err)
	}
	if got, want := r.Header.Get("Authorization"), check.Header.Get("Authorization"); got != want {
		s.t.Errorf("signature\n%s\nwant\n%s", got, want)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func TestCall(t *testing.T) {
	const ok = `{"Parameter":{"Name":"/p","Type":"SecureString","Value":"v: 1","Version":3}}`
	tests := []struct {
		name     string
		answers  []answer
		requests int
		want     string // the value, or a part of the error
	}{
		{"first time", []answer{{200, ok}}, 1, "v: 1"},
		{"server error, then ok", []answer{{500, `{"__type":"InternalServerError","message":"oops"}`}, {200, ok}}, 2, "v: 1"},
		{"throttled twice, then ok", []answer{{400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`}, {400, `{"__type":"ThrottlingException"}`}, {200, ok}}, 3, "v: 1"},
		{"throttled three times", []answer{{400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`}}, 3, "3 attempts: ThrottlingException: Rate exceeded (HTTP 400)"},
		{"not found: not retried", []answer{{400, `{"__type":"com.amazonaws.ssm#ParameterNotFound"}`}}, 1, "AmazonSSM.GetParameter: ParameterNotFound (HTTP 400)"},
		{"access denied: not retried", []answer{{400, `{"__type":"AccessDeniedException","Message":"not authorized to perform: ssm:GetParameter"}`}}, 1, "AccessDeniedException: not authorized"},
		{"no value", []answer{{200, `{"Parameter":{"Name":"/p"}}`}}, 1, "no value in the answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &signedServer{t: t, answers: tt.answers}
			hs := httptest.NewServer(srv)
			defer hs.Close()
			t.Setenv("AWS_ENDPOINT_URL_SSM", hs.URL)
			e := &Env{getenv: func(k string) string { return map[string]string{EnvConfigParameter: "/p"}[k] },
				aws: aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret-key", "session")}}
			var out struct{ Parameter struct{ Value *string } }
			err := e.call(context.Background(), "SSM", "ssm", "AmazonSSM.GetParameter", map[string]any{"Name": "/p", "WithDecryption": true}, &out)
			if err == nil && out.Parameter.Value == nil {
				err = errNoValue
			}
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				got = *out.Parameter.Value
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if srv.n != tt.requests {
				t.Errorf("%d requests, want %d", srv.n, tt.requests)
			}
			for _, b := range srv.bodies {
				if b != `{"Name":"/p","WithDecryption":true}` {
					t.Errorf("request body %s", b)
				}
			}
		})
	}
}

func TestEndpointOfRegion(t *testing.T) {
	for region, want := range map[string]string{"eu-west-1": "amazonaws.com", "cn-north-1": "amazonaws.com.cn", "us-gov-west-1": "amazonaws.com"} {
		if got := dnsSuffix(region); got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}
