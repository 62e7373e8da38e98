package storetest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/store"
)

// EndpointEnv names DynamoDB Local's endpoint: `make test` starts it on a
// loopback port (infra/local/dynamodb.sh) and sets this variable.
const EndpointEnv = "SLAWATCH_TEST_DYNAMODB_ENDPOINT"

// Counter counts a DynamoDB client's API calls by operation, through SDK
// middleware, so that tests can assert what an operation costs.
type Counter struct {
	mu  sync.Mutex
	ops map[string]int
}

// Add is an APIOptions entry that makes the client count into c.
func (c *Counter) Add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("count", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		c.mu.Lock()
		if c.ops == nil {
			c.ops = map[string]int{}
		}
		c.ops[middleware.GetOperationName(ctx)]++
		c.mu.Unlock()
		return next.HandleInitialize(ctx, in)
	}), middleware.After)
}

// Take returns the calls counted since the last Take, in all and by
// operation, and starts counting afresh.
func (c *Counter) Take() (total int, ops map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops, c.ops = c.ops, map[string]int{}
	for _, n := range ops {
		total += n
	}
	return total, ops
}

// LocalTable creates a fresh table on DynamoDB Local and returns a client
// that counts its requests; it skips tb when EndpointEnv is not set.
func LocalTable(tb testing.TB) (*dynamodb.Client, string, *Counter) {
	tb.Helper()
	endpoint := os.Getenv(EndpointEnv)
	if endpoint == "" {
		tb.Skip(EndpointEnv + " is not set; `make test` starts DynamoDB Local and sets it")
	}
	c := &Counter{}
	client, err := awsdefault.NewDynamoDBClient(context.Background(), endpoint, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, c.Add)
		// DynamoDB Local's responses draw checksum warnings from the SDK.
		o.DisableValidateResponseChecksum = true
	})
	if err != nil {
		tb.Fatal(err)
	}
	table := fmt.Sprintf("slawatch-test-%d", time.Now().UnixNano())
	if err := store.CreateTable(context.Background(), client, table); err != nil {
		tb.Fatal(err)
	}
	c.Take()
	return client, table, c
}
