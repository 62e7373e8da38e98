package faultproxy_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/slawatch/slawatch/infra/faultproxy"
)

// backend counts the requests that reach it and answers 200 "ok".
type backend struct {
	*httptest.Server
	hits atomic.Int64
}

func newBackend(t *testing.T) *backend {
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		b.hits.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(b.Close)
	return b
}

// serve starts p on a loopback port.
func serve(t *testing.T, p *faultproxy.Proxy) string {
	srv := httptest.NewServer(p)
	t.Cleanup(func() { srv.Close(); p.Close() })
	return srv.URL
}

func newProxy(t *testing.T, b *backend, rules faultproxy.Rules, seed uint64) (*faultproxy.Proxy, string) {
	u, err := url.Parse(b.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := faultproxy.New(u, rules, seed)
	return p, serve(t, p)
}

// outcome is what a client saw: an HTTP status, or 0 for a connection
// error.
func post(t *testing.T, c *http.Client, base, target string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(`{"TableName":"t"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", target)
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
}

// TestRates sends 1000 requests per kind with that kind at 20% and checks
// that it happened about that often, with the effect on the client and the
// backend the kind promises.
func TestRates(t *testing.T) {
	const n, rate = 1000, 0.2
	for _, k := range faultproxy.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			var r faultproxy.Rules
			switch k {
			case faultproxy.Before5xx:
				r.Before5xx = rate
			case faultproxy.Throttle:
				r.Throttle = rate
			case faultproxy.Latency:
				r.Latency, r.MaxLatency = rate, time.Millisecond
			case faultproxy.DropBefore:
				r.DropBefore = rate
			case faultproxy.DropAfter:
				r.DropAfter = rate
			case faultproxy.After5xx:
				r.After5xx = rate
			}
			b := newBackend(t)
			p, base := newProxy(t, b, r, 42)
			c := client()
			statuses := map[int]int{}
			for range n {
				statuses[post(t, c, base, "DynamoDB_20120810.GetItem")]++
			}
			st := p.Stats()
			got := st.Faults[k]
			if got < 150 || got > 250 {
				t.Errorf("%s: %d of %d requests, want 150..250", k, got, n)
			}
			if st.Injected() != got {
				t.Errorf("other kinds injected: %v", st.Faults)
			}
			want := map[int]int{200: n - int(got)} // what the client should see
			hits := int64(n)                       // requests the backend should get
			switch k {
			case faultproxy.Latency:
				want = map[int]int{200: n}
			case faultproxy.Before5xx:
				want[500], hits = int(got), n-got
			case faultproxy.Throttle:
				want[400], hits = int(got), n-got
			case faultproxy.DropBefore:
				want[0], hits = int(got), n-got
			case faultproxy.DropAfter:
				want[0] = int(got)
			case faultproxy.After5xx:
				want[500] = int(got)
			}
			if fmt.Sprint(statuses) != fmt.Sprint(want) {
				t.Errorf("client saw %v, want %v", statuses, want)
			}
			if b.hits.Load() != hits || st.Forwarded != hits {
				t.Errorf("backend got %d requests, proxy forwarded %d, want %d", b.hits.Load(), st.Forwarded, hits)
			}
			if op := st.Ops["DynamoDB.GetItem"]; op.Requests != n || op.Faults[k] != got {
				t.Errorf("per operation: %+v", st.Ops)
			}
		})
	}
}

// TestDropAfterForwarded: the backend applied every request while the
// client saw only connection errors.
func TestDropAfterForwarded(t *testing.T) {
	b := newBackend(t)
	p, base := newProxy(t, b, faultproxy.Rules{DropAfter: 1}, 1)
	c := client()
	for i := range 10 {
		req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader("Action=Publish&Version=2010-03-31"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("request %d: got %s, want a connection error", i, resp.Status)
		}
		if got := b.hits.Load(); got != int64(i+1) {
			t.Fatalf("request %d: backend got %d requests, want %d", i, got, i+1)
		}
	}
	if st := p.Stats(); st.Faults[faultproxy.DropAfter] != 10 || st.Ops["SNS.Publish"].Faults[faultproxy.DropAfter] != 10 {
		t.Errorf("stats: %+v", st)
	}
}

// TestDeterministic: the same seed gives the same faults to the same
// sequence of requests; another seed does not.
func TestDeterministic(t *testing.T) {
	run := func(seed uint64) string {
		b := newBackend(t)
		_, base := newProxy(t, b, faultproxy.Uniform(0.1, time.Millisecond), seed)
		c := client()
		var out strings.Builder
		for range 200 {
			fmt.Fprint(&out, post(t, c, base, "DynamoDB_20120810.PutItem"), " ")
		}
		return out.String()
	}
	a, b, other := run(7), run(7), run(8)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == other {
		t.Errorf("seeds 7 and 8 gave the same faults")
	}
}

// TestSetRules turns the faults off.
func TestSetRules(t *testing.T) {
	b := newBackend(t)
	p, base := newProxy(t, b, faultproxy.Rules{Before5xx: 1}, 1)
	c := client()
	if s := post(t, c, base, "DynamoDB_20120810.Query"); s != 500 {
		t.Fatalf("with faults: %d", s)
	}
	p.SetRules(faultproxy.Rules{})
	for range 20 {
		if s := post(t, c, base, "DynamoDB_20120810.Query"); s != 200 {
			t.Fatalf("faults off: %d", s)
		}
	}
	if st := p.Stats(); st.Requests != 21 || st.Injected() != 1 || b.hits.Load() != 20 {
		t.Errorf("stats %+v, backend %d", st, b.hits.Load())
	}
}

// TestErrorShapes checks that the AWS SDK decodes each injected error as
// the service's own typed error: the proxy speaks each protocol's format.
func TestErrorShapes(t *testing.T) {
	b := newBackend(t)
	p, base := newProxy(t, b, faultproxy.Rules{}, 1)
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	ddb := dynamodb.New(dynamodb.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(base), RetryMaxAttempts: 1})
	snsc := sns.New(sns.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(base), RetryMaxAttempts: 1})
	sqsc := sqs.New(sqs.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(base), RetryMaxAttempts: 1})
	calls := map[string]func() error{
		"dynamodb": func() error {
			_, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "x"}}})
			return err
		},
		"sns": func() error {
			_, err := snsc.Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:t"), Message: aws.String("m")})
			return err
		},
		"sqs": func() error {
			_, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(base + "/000000000000/q")})
			return err
		},
	}
	for _, c := range []struct {
		name  string
		rules faultproxy.Rules
		check func(error) bool
	}{
		{"dynamodb", faultproxy.Rules{Throttle: 1}, func(err error) bool {
			var e *ddbtypes.ProvisionedThroughputExceededException
			return errors.As(err, &e)
		}},
		{"dynamodb", faultproxy.Rules{Before5xx: 1}, func(err error) bool {
			var e *ddbtypes.InternalServerError
			return errors.As(err, &e)
		}},
		// SNS's model lists Throttled (ThrottledException, 429) only for its
		// SMS operations, so for Publish the SDK returns it as a generic API
		// error with that code.
		{"sns", faultproxy.Rules{Throttle: 1}, func(err error) bool {
			var e smithy.APIError
			var re *smithyhttp.ResponseError
			return errors.As(err, &e) && e.ErrorCode() == "Throttled" && errors.As(err, &re) && re.HTTPStatusCode() == 429
		}},
		{"sns", faultproxy.Rules{After5xx: 1}, func(err error) bool {
			var e *snstypes.InternalErrorException
			return errors.As(err, &e)
		}},
		{"sqs", faultproxy.Rules{Throttle: 1}, func(err error) bool {
			var e *sqstypes.RequestThrottled
			return errors.As(err, &e)
		}},
		{"sqs", faultproxy.Rules{Before5xx: 1}, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "InternalFailure") && strings.Contains(err.Error(), "500")
		}},
	} {
		p.SetRules(c.rules)
		if err := calls[c.name](); !c.check(err) {
			t.Errorf("%s %+v: got %v (%T)", c.name, c.rules, err, errors.Unwrap(err))
		}
	}
	st := p.Stats()
	for _, op := range []string{"DynamoDB.GetItem", "SNS.Publish", "AmazonSQS.ReceiveMessage"} {
		if st.Ops[op].Requests != 2 {
			t.Errorf("%s: %d requests, want 2 (%v)", op, st.Ops[op].Requests, st.Ops)
		}
	}
}
