package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slawatch/slawatch/shared/queue"
)

const (
	queuePrefix = "Q#"
	skQueue     = "QUEUE"
)

var _ Queues = (*DynamoDB)(nil)

// queueItem is a queue as stored: its stats as JSON (package queue's own
// encoding) and a version for optimistic concurrency, as for tickets.
type queueItem struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	Version int64  `dynamodbav:"version"`
	Stats   string `dynamodbav:"stats"`
}

// queuePK keys a queue by its whole name: names contain '/' ("zendesk/chat/
// urgent") and nothing follows them in the key.
func queuePK(name string) string { return queuePrefix + name }

func (d *DynamoDB) Queue(ctx context.Context, name string) (queue.Stats, error) {
	s, _, err := d.getQueue(ctx, name)
	return s, err
}

// getQueue reads a queue's stats and version with a consistent read: the
// zero value and version 0 for a queue not yet stored.
func (d *DynamoDB) getQueue(ctx context.Context, name string) (queue.Stats, int64, error) {
	key, err := attributevalue.MarshalMap(struct {
		PK string `dynamodbav:"pk"`
		SK string `dynamodbav:"sk"`
	}{queuePK(name), skQueue})
	if err != nil {
		return queue.Stats{}, 0, fmt.Errorf("store: marshal key: %w", err)
	}
	out, err := d.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &d.table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return queue.Stats{}, 0, fmt.Errorf("store: get queue %s: %w", name, err)
	}
	if len(out.Item) == 0 {
		return queue.Stats{}, 0, nil
	}
	var it queueItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return queue.Stats{}, 0, fmt.Errorf("store: unmarshal queue %s: %w", name, err)
	}
	var s queue.Stats
	if err := json.Unmarshal([]byte(it.Stats), &s); err != nil {
		return queue.Stats{}, 0, fmt.Errorf("store: decode queue %s: %w", name, err)
	}
	return s, it.Version, nil
}

// UpdateQueue reads the queue, applies fn and writes the result on condition
// that nobody wrote in between, retrying on a lost race like Update: two
// requests on the common path, a consistent read and a conditional put.
func (d *DynamoDB) UpdateQueue(ctx context.Context, name string, fn QueueFunc) (queue.Stats, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		cur, version, err := d.getQueue(ctx, name)
		if err != nil {
			return queue.Stats{}, err
		}
		next, changed, err := fn(cur)
		if err != nil || !changed {
			return cur, err
		}
		err = d.putQueue(ctx, name, next, version)
		var lost *lostRace
		switch {
		case err == nil:
			return next, nil
		case errors.As(err, &lost):
			if err := sleep(ctx, attempt); err != nil {
				return cur, err
			}
		default:
			return cur, err
		}
	}
	return queue.Stats{}, fmt.Errorf("store: queue %s: %w after %d attempts", name, ErrConflict, maxAttempts)
}

func (d *DynamoDB) putQueue(ctx context.Context, name string, s queue.Stats, version int64) error {
	stats, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("store: encode queue %s: %w", name, err)
	}
	item, err := attributevalue.MarshalMap(queueItem{PK: queuePK(name), SK: skQueue, Version: version + 1, Stats: string(stats)})
	if err != nil {
		return fmt.Errorf("store: marshal queue %s: %w", name, err)
	}
	expr, err := versionCondition(version)
	if err != nil {
		return err
	}
	_, err = d.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &d.table, Item: item, ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return &lostRace{}
	}
	if err != nil {
		return fmt.Errorf("store: put queue %s: %w", name, err)
	}
	return nil
}

// QueueNames scans the whole table for queue items: there is no index for
// queues, so the cost grows with the table (every ticket and de-duplication
// record is read). That is acceptable only because the one caller is the
// rare, operator-run `slawatch report`; nothing on the webhook or checker
// path may call it.
func (d *DynamoDB) QueueNames(ctx context.Context) ([]string, error) {
	expr, err := expression.NewBuilder().
		WithFilter(expression.Name(attrPK).BeginsWith(queuePrefix)).
		WithProjection(expression.NamesList(expression.Name(attrPK))).
		Build()
	if err != nil {
		return nil, fmt.Errorf("store: build queue scan: %w", err)
	}
	in := &dynamodb.ScanInput{
		TableName: &d.table, FilterExpression: expr.Filter(), ProjectionExpression: expr.Projection(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		// A report should list a queue written just before it.
		ConsistentRead: aws.Bool(true),
	}
	var names []string
	for {
		out, err := d.client.Scan(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("store: scan queues: %w", err)
		}
		for _, item := range out.Items {
			var it struct {
				PK string `dynamodbav:"pk"`
			}
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fmt.Errorf("store: unmarshal queue key: %w", err)
			}
			if name, ok := strings.CutPrefix(it.PK, queuePrefix); ok {
				names = append(names, name)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	slices.Sort(names)
	return names, nil
}
