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
	if out.Item == nil {
		return Doc{}, false, nil
	}
	var it docItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return Doc{}, false, fmt.Errorf("store: decode doc: %w", err)
	}
	// An expired document is as good as absent: TTL deletes lazily.
	if it.Expires != 0 && it.Expires < d.now().Unix() {
		return Doc{}, false, nil
	}
	return Doc{Data: it.Data, Version: it.Version}, true, nil
}

func (d *DynamoDB) putDoc(ctx context.Context, key string, data []byte, version int64, cond string, vals map[string]types.AttributeValue) (bool, error) {
	item, err := attributevalue.MarshalMap(docItem{PK: docPrefix + key, SK: skDoc, Data: data, Version: version, Expires: d.now().Add(DocTTL).Unix()})
	if err != nil {
		return false, fmt.Errorf("store: encode doc: %w", err)
	}
	_, err = d.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &d.table, Item: item, ConditionExpression: &cond, ExpressionAttributeValues: vals})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: put doc: %w", err)
	}
	return true, nil
}

func (d *DynamoDB) PutDocIfAbsent(ctx context.Context, key string, data []byte) (Doc, bool, error) {
	// An expired document counts as absent here too.
	ok, err := d.putDoc(ctx, key, data, 1, "attribute_not_exists(pk) OR expires_at < :now",
		map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: fmt.Sprint(d.now().Unix())}})
	if err != nil || ok {
		return Doc{Data: data, Version: 1}, ok, err
	}
	cur, found, err := d.GetDoc(ctx, key)
	if err != nil {
		return Doc{}, false, err
	}
	if !found { // deleted between the two: the caller tries again
		return Doc{}, false, fmt.Errorf("store: doc %q changed while written", key)
	}
	return cur, false, nil
}

func (d *DynamoDB) ReplaceDoc(ctx context.Context, key string, old int64, data []byte) (bool, error) {
	return d.putDoc(ctx, key, data, old+1, "version = :old",
		map[string]types.AttributeValue{":old": &types.AttributeValueMemberN{Value: fmt.Sprint(old)}})
}
