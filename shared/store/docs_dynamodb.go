package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// An integration document is one item, D#<key>/DOC, with its bytes, its
// version and the TTL attribute (DocTTL after the last write). No other
// key starts with "D#", and the item has none of the indexes' attributes.
const (
	docPrefix = "D#"
	skDoc     = "DOC"
)

var _ Docs = (*DynamoDB)(nil)

type docItem struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	Data    []byte `dynamodbav:"data"`
	Version int64  `dynamodbav:"version"`
	Expires int64  `dynamodbav:"expires_at"`
}

func (d *DynamoDB) docKey(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: docPrefix + key},
		"sk": &types.AttributeValueMemberS{Value: skDoc},
	}
}

func (d *DynamoDB) GetDoc(ctx context.Context, key string) (Doc, bool, error) {
	out, err := d.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &d.table, Key: d.docKey(key), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Doc{}, false, fmt.Errorf("store: get doc: %w", err)
	}
	return d.decodeDoc(out.Item)
}

// decodeDoc decodes a stored document item; ok is false for none (a nil
// item) or an expired one: TTL deletes lazily.
func (d *DynamoDB) decodeDoc(item map[string]types.AttributeValue) (doc Doc, ok bool, err error) {
	if item == nil {
		return Doc{}, false, nil
	}
	var it docItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return Doc{}, false, fmt.Errorf("store: decode doc: %w", err)
	}
	if it.Expires != 0 && it.Expires < d.now().Unix() {
		return Doc{}, false, nil
	}
	return Doc{Data: it.Data, Version: it.Version}, true, nil
}

// putDoc writes data as version under cond. When cond refuses it, ok is
// false and cur is the stored item, returned by the refused request itself
// (ALL_OLD): a caller that needs it reads nothing more.
func (d *DynamoDB) putDoc(ctx context.Context, key string, data []byte, version int64, cond string, vals map[string]types.AttributeValue) (ok bool, cur map[string]types.AttributeValue, err error) {
	item, err := attributevalue.MarshalMap(docItem{PK: docPrefix + key, SK: skDoc, Data: data, Version: version, Expires: d.now().Add(DocTTL).Unix()})
	if err != nil {
		return false, nil, fmt.Errorf("store: encode doc: %w", err)
	}
	_, err = d.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &d.table, Item: item, ConditionExpression: &cond, ExpressionAttributeValues: vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return false, failed.Item, nil
	case err != nil:
		return false, nil, fmt.Errorf("store: put doc: %w", err)
	}
	return true, nil, nil
}

// PutDocIfAbsent costs one request: a refused put returns the document
// that refused it. (Before, a second request read it: a checker run's
// retargeting check, which finds its document every run, paid both.)
func (d *DynamoDB) PutDocIfAbsent(ctx context.Context, key string, data []byte) (Doc, bool, error) {
	// An expired document counts as absent here too.
	ok, item, err := d.putDoc(ctx, key, data, 1, "attribute_not_exists(pk) OR expires_at < :now",
		map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: fmt.Sprint(d.now().Unix())}})
	if err != nil || ok {
		return Doc{Data: data, Version: 1}, ok, err
	}
	cur, found, err := d.decodeDoc(item)
	if err == nil && !found {
		// No item came back (an emulator that does not return one), or
		// it expired between the condition and now: read it.
		cur, found, err = d.GetDoc(ctx, key)
	}
	if err != nil {
		return Doc{}, false, err
	}
	if !found { // deleted between the two: the caller tries again
		return Doc{}, false, fmt.Errorf("store: doc %q changed while written", key)
	}
	return cur, false, nil
}

func (d *DynamoDB) ReplaceDoc(ctx context.Context, key string, old int64, data []byte) (bool, error) {
	ok, _, err := d.putDoc(ctx, key, data, old+1, "version = :old",
		map[string]types.AttributeValue{":old": &types.AttributeValueMemberN{Value: fmt.Sprint(old)}})
	return ok, err
}
