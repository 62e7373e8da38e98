package checker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/notify"
)

// faultProxy forwards to the SNS server but answers 500 while failing is
// set, as an SNS outage would.
type faultProxy struct {
	failing  atomic.Bool
	injected atomic.Int64
	proxy    *httputil.ReverseProxy
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.failing.Load() {
		p.injected.Add(1)
		http.Error(w, `<ErrorResponse><Error><Code>InternalError</Code></Error></ErrorResponse>`, http.StatusInternalServerError)
		return
	}
	p.proxy.ServeHTTP(w, r)
}

// TestSNSOutageDelaysButLosesNothing publishes through a loopback fault
// proxy in front of fauxqs (a real SNS implementation delivering to SQS):
// while SNS fails, alerts stay claimed; once it recovers, a later run sends
// them, and the queue receives every alert exactly once.
func TestSNSOutageDelaysButLosesNothing(t *testing.T) {
	endpoint := os.Getenv("SLAWATCH_TEST_SNS_ENDPOINT")
	if endpoint == "" {
		t.Skip("SLAWATCH_TEST_SNS_ENDPOINT is not set; `make test` starts fauxqs and sets it")
	}
	sqsEndpoint := os.Getenv("SLAWATCH_TEST_SQS_ENDPOINT")
	if sqsEndpoint == "" {
		sqsEndpoint = endpoint
	}
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	direct := sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(endpoint) })
	sqsc := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(sqsEndpoint) })
	name := fmt.Sprintf("outage-%d", time.Now().UnixNano())
	topic, err := direct.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	qa, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := direct.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(qa.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}

	target, _ := url.Parse(endpoint)
	fp := &faultProxy{proxy: httputil.NewSingleHostReverseProxy(target)}
	proxySrv := httptest.NewServer(fp)
	defer proxySrv.Close()
	viaProxy := sns.NewFromConfig(cfg, func(o *sns.Options) {
		o.BaseEndpoint = aws.String(proxySrv.URL)
		o.RetryMaxAttempts = 1 // no SDK retries: each run makes one attempt
	})

	f := newFixture(t, cfgYAML)
	f.chk.Notifier = &notify.SNS{Client: viaProxy, TopicARN: *topic.TopicArn, Now: f.clock.Now}
	f.ingest(t, event.Event{TicketID: "A", ID: "c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer})

	fp.failing.Store(true) // SNS is down from 09:44 to 09:58
	failedRuns := f.runUntil(t, at("09:58"))
	fp.failing.Store(false)
	f.runUntil(t, at("11:00"))

	var got []string
	for {
		out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			var env struct{ Message string }
			if err := json.Unmarshal([]byte(*m.Body), &env); err != nil {
				t.Fatal(err)
			}
			// The emulator delivers the whole MessageStructure=json object;
			// SNS would pick its "sqs"/"default" key.
			var structured map[string]string
			doc := env.Message
			if json.Unmarshal([]byte(doc), &structured) == nil && structured["default"] != "" {
				doc = structured["default"]
			}
			var a struct {
				ID   string `json:"id"`
				Kind string `json:"kind"`
			}
			if err := json.Unmarshal([]byte(doc), &a); err != nil {
				t.Fatalf("message %q: %v", doc, err)
			}
			got = append(got, a.Kind+" "+strings.TrimPrefix(a.ID, "s/A/first_response/0/"))
		}
	}
	// The warning (09:45) failed during the outage and went once SNS was
	// back; breach and both escalations in their time. Each exactly once.
	want := map[string]bool{
		"sla.warning sla.warning/1": true, "sla.breach sla.breach/0": true,
		"sla.escalation sla.escalation/1": true, "sla.escalation sla.escalation/2": true,
	}
	seen := map[string]int{}
	for _, g := range got {
		seen[g]++
	}
	for k := range want {
		if seen[k] != 1 {
			t.Errorf("%s delivered %d times", k, seen[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("delivered %v", got)
	}
	t.Logf("outage: %d requests refused by the fault proxy, %d failed runs, %d alerts delivered, %d duplicates, 0 lost",
		fp.injected.Load(), failedRuns, len(got), len(got)-len(seen))
	if fp.injected.Load() == 0 || failedRuns == 0 {
		t.Errorf("the outage injected nothing")
	}
}
