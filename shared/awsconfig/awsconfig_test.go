package awsconfig_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/slawatch/slawatch/shared/awsconfig"
)

// SNS answers Publish with its Throttled error (HTTP 429) twice, then
// accepts: with SNSRetryer the publish succeeds on the third attempt; with
// the SDK's standard retryer it fails at once.
func TestSNSRetryerRetriesThrottled(t *testing.T) {
	for _, tc := range []struct {
		name     string
		retryer  func() aws.Retryer
		ok       bool
		requests int32
	}{
		{"SNSRetryer", awsconfig.SNSRetryer, true, 3},
		{"standard retryer", nil, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/xml")
				if n.Add(1) <= 2 {
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = w.Write([]byte(`<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>` +
						`<Code>Throttled</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>`))
					return
				}
				_, _ = w.Write([]byte(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>` +
					`<MessageId>m1</MessageId></PublishResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></PublishResponse>`))
			}))
			defer srv.Close()
			client := sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
				Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}, func(o *sns.Options) {
				if tc.retryer != nil {
					o.Retryer = tc.retryer()
				}
			})
			_, err := client.Publish(context.Background(), &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:t"), Message: aws.String("x")})
			if (err == nil) != tc.ok || n.Load() != tc.requests {
				t.Errorf("err %v after %d requests; want ok=%v after %d", err, n.Load(), tc.ok, tc.requests)
			}
		})
	}
}
