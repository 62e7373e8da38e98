// Package lambdaenvtest serves the two AWS calls a cold start makes that no
// local emulator here offers — Secrets Manager's GetSecretValue and SSM's
// GetParameter — over their real wire protocol (JSON 1.1 with X-Amz-Target),
// so that lambdaenv's requests run unchanged against it. Point them
// at it with AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_SSM.
package lambdaenvtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Server holds secrets (by id: name or ARN) and parameters (by name).
type Server struct {
	URL string

	mu      sync.Mutex
	secrets map[string]string
	params  map[string]string
	calls   map[string]int // by operation
}

// New starts a server on loopback; it stops with the test.
func New(t testing.TB, secrets, params map[string]string) *Server {
	s := &Server{secrets: secrets, params: params, calls: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Calls returns how often an operation ("GetSecretValue", "GetParameter")
// was called.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	_, op, _ := strings.Cut(target, ".")
	var in struct {
		SecretID       string `json:"SecretId"`
		Name           string
		WithDecryption bool
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1") ||
		!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") || json.NewDecoder(r.Body).Decode(&in) != nil {
		fail(w, "ValidationException", "malformed request")
		return
	}
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()
	switch target {
	case "secretsmanager.GetSecretValue":
		v, ok := s.secrets[in.SecretID]
		if !ok {
			fail(w, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
			return
		}
		reply(w, map[string]any{"ARN": in.SecretID, "Name": in.SecretID, "SecretString": v, "VersionId": "v1",
			"VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7639e9})
	case "AmazonSSM.GetParameter":
		v, ok := s.params[in.Name]
		if !ok {
			fail(w, "ParameterNotFound", "")
			return
		}
		reply(w, map[string]any{"Parameter": map[string]any{"Name": in.Name, "Type": "String", "Value": v, "Version": 1,
			"ARN": "arn:aws:ssm:us-east-1:000000000000:parameter" + in.Name, "DataType": "text"}})
	default:
		fail(w, "UnknownOperationException", "unknown operation "+target)
	}
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}
