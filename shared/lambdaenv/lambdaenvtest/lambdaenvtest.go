// Package lambdaenvtest serves the AWS calls a cold start makes that no
// local emulator here offers — Secrets Manager's GetSecretValue, SSM's
// GetParameter and GetParameterHistory — over their real wire protocol
// (JSON 1.1 with X-Amz-Target), so that lambdaenv's requests run unchanged
// against it. Point them
// at it with AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_SSM.
package lambdaenvtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Server holds secrets (by id: name or ARN) and parameters (by name, each
// with its versions, the first being version 1).
type Server struct {
	URL string

	mu      sync.Mutex
	secrets map[string]string
	params  map[string][]string
	calls   map[string]int // by operation
}

// New starts a server on loopback; it stops with the test. Each parameter
// starts at version 1.
func New(t testing.TB, secrets, params map[string]string) *Server {
	s := &Server{secrets: secrets, params: map[string][]string{}, calls: map[string]int{}}
	for name, v := range params {
		s.params[name] = []string{v}
	}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Put writes value as a new version of the parameter, as
// aws ssm put-parameter --overwrite does, and returns its version.
func (s *Server) Put(name, value string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.params[name] = append(s.params[name], value)
	return len(s.params[name])
}

// Calls returns how often an operation ("GetSecretValue", "GetParameter",
// "GetParameterHistory") was called.
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
		MaxResults     int
		NextToken      string
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1") ||
		!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") || json.NewDecoder(r.Body).Decode(&in) != nil {
		fail(w, "ValidationException", "malformed request")
		return
	}
	s.mu.Lock()
	s.calls[op]++
	versions := s.params[in.Name]
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
		if len(versions) == 0 {
			fail(w, "ParameterNotFound", "")
			return
		}
		reply(w, map[string]any{"Parameter": parameter(in.Name, len(versions), versions[len(versions)-1])})
	case "AmazonSSM.GetParameterHistory":
		// As SSM: oldest first, at most 50 a page (50 when unset).
		if len(versions) == 0 {
			fail(w, "ParameterNotFound", "")
			return
		}
		size := in.MaxResults
		if size <= 0 || size > 50 {
			size = 50
		}
		from, _ := strconv.Atoi(in.NextToken)
		if from < 0 || from > len(versions) {
			fail(w, "InvalidNextToken", "")
			return
		}
		to := min(from+size, len(versions))
		page := []any{}
		for i := from; i < to; i++ {
			page = append(page, parameter(in.Name, i+1, versions[i]))
		}
		out := map[string]any{"Parameters": page}
		if to < len(versions) {
			out["NextToken"] = strconv.Itoa(to)
		}
		reply(w, out)
	default:
		fail(w, "UnknownOperationException", "unknown operation "+target)
	}
}

func parameter(name string, version int, value string) map[string]any {
	return map[string]any{"Name": name, "Type": "String", "Value": value, "Version": version,
		"ARN": "arn:aws:ssm:us-east-1:000000000000:parameter" + name, "DataType": "text"}
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
