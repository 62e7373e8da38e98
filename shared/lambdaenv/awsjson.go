package lambdaenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/slawatch/slawatch/shared/awsconfig"
)

// The configuration parameter and the secret are each read with one
// signed request (AWS JSON 1.1, Signature Version 4) rather than through
// the SDK's ssm and secretsmanager clients. Importing those packages
// builds a schema of every operation of both services when the process
// starts — 1.6 MB in 8,600 allocations, a third of the checker's package
// initialisation — and every function paid that at each cold start for at
// most two requests, whether it used them or not.

// awsError is an AWS JSON protocol error: the exception's name and message.
type awsError struct {
	Status  int
	Code    string // e.g. ParameterNotFound, ResourceNotFoundException
	Message string
}

func (e *awsError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
	}
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}

// retryable: the request may succeed if sent again, as the SDK's standard
// retryer judges (server errors and throttling).
func (e *awsError) retryable() bool {
	switch e.Code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottledException":
		return true
	}
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

// awsHTTP is the client of these calls: one attempt never waits longer
// than this, whatever the caller's context allows.
var awsHTTP = &http.Client{Timeout: 10 * time.Second}

const awsAttempts = 3 // as the SDK's standard retryer

// call sends one AWS JSON 1.1 request — target such as
// "AmazonSSM.GetParameter" — to the service and decodes the answer into
// out. service names the endpoint variable (awsconfig.Endpoint: "SSM",
// "SECRETS_MANAGER"); signingName is the service's name in the signature
// and its endpoint's host ("ssm", "secretsmanager"). Throttling, server
// errors and failed connections are retried, three attempts in all.
func (e *Env) call(ctx context.Context, service, signingName, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encode request: %w", target, err)
	}
	region := e.aws.Region
	endpoint := ""
	if ep := awsconfig.Endpoint(service); ep != nil {
		endpoint = *ep
	} else if region == "" {
		return fmt.Errorf("%s: AWS_REGION is not set", target)
	} else {
		endpoint = "https://" + signingName + "." + region + "." + dnsSuffix(region)
	}
	if e.aws.Credentials == nil {
		return fmt.Errorf("%s: no AWS credentials", target)
	}
	creds, err := e.aws.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("%s: credentials: %w", target, err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	var last error
	for attempt := range awsAttempts {
		if attempt > 0 {
			// Jittered back-off, as the SDK's: up to 100 ms, then 200 ms.
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: %w (after %v)", target, ctx.Err(), last)
			case <-time.After(rand.N(50 * time.Millisecond << attempt)):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%s: %w", target, err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, signingName, region, time.Now()); err != nil {
			return fmt.Errorf("%s: sign: %w", target, err)
		}
		resp, err := awsHTTP.Do(req)
		if err != nil {
			last = err
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			last = err
			continue
		}
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("%s: decode answer: %w", target, err)
			}
			return nil
		}
		ae := decodeError(resp, data)
		if !ae.retryable() {
			return fmt.Errorf("%s: %w", target, ae)
		}
		last = ae
	}
	return fmt.Errorf("%s: %d attempts: %w", target, awsAttempts, last)
}

// decodeError reads an AWS JSON error: the exception's name from __type
// ("com.amazonaws…#ParameterNotFound" or the bare name) or the
// X-Amzn-ErrorType header, and its message.
func decodeError(resp *http.Response, data []byte) *awsError {
	var body struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	_ = json.Unmarshal(data, &body) // an undecodable body still has a status
	code := body.Type
	if code == "" {
		code, _, _ = strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = http.StatusText(resp.StatusCode)
	}
	msg := body.Message
	if msg == "" {
		msg = body.Message2
	}
	return &awsError{Status: resp.StatusCode, Code: code, Message: msg}
}

// dnsSuffix is the domain of a region's endpoints: China's regions have
// their own. (FIPS and dual-stack endpoints are not used here.)
func dnsSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// errNoValue: the answer had no value where one was expected.
var errNoValue = errors.New("no value in the answer")
