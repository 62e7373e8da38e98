package handoff_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/slawatch/slawatch/shared/handoff"
	"github.com/slawatch/slawatch/shared/store"
)

func TestParseMessage(t *testing.T) {
	tests := []struct {
		body string
		want store.Key
		ok   bool
	}{
		{`{"source":"zendesk","ticket_id":"42"}`, store.Key{Source: "zendesk", ID: "42"}, true},
		{`{"source":"zendesk"}`, store.Key{}, false},
		{`not json`, store.Key{}, false},
	}
	for _, tt := range tests {
		k, err := handoff.ParseMessage(tt.body)
		if k != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseMessage(%q) = %v, %v", tt.body, k, err)
		}
	}
}

// The webhook's hand-off reaches the acknowledger's queue on the SQS
// server (fauxqs) as a message ParseMessage reads back.
func TestSQSHandOff(t *testing.T) {
	ep := os.Getenv("SLAWATCH_TEST_SQS_ENDPOINT")
	if ep == "" {
		ep = os.Getenv("SLAWATCH_TEST_SNS_ENDPOINT") // fauxqs serves both
	}
	if ep == "" {
		t.Skip("SLAWATCH_TEST_SNS_ENDPOINT is not set: run through infra/local/sns.sh run go test ./shared/handoff/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	name := fmt.Sprintf("slawatch-observe-%d", time.Now().UnixNano())
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	defer client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl})
	q := &handoff.SQS{Client: client, QueueURL: aws.ToString(out.QueueUrl)}
	want := store.Key{Source: "zendesk", ID: "4711"}
	if err := q.Observe(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: out.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("receive: %v, %d messages", err, len(got.Messages))
	}
	if k, err := handoff.ParseMessage(aws.ToString(got.Messages[0].Body)); err != nil || k != want {
		t.Errorf("message %q → %v, %v", aws.ToString(got.Messages[0].Body), k, err)
	}
}
