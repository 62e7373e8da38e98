// Package awsdefault loads the AWS SDK's default configuration chain —
// environment, shared config and credential files, profiles, SSO, assume
// role, the instance's role — for the CLI and the tests, and for a local
// emulator endpoint (DynamoDB Local, fauxqs, goaws) a region and
// placeholder credentials when none are configured.
//
// The Lambda functions must not import it: package config brings the STS,
// SSO, SSO OIDC and sign-in clients, whose initialisation every cold start
// would pay for a chain the functions never use (they take their
// credentials from the environment Lambda sets: awsconfig.FromEnv).
// TestFunctionsLinkNoDefaultConfig in functions/ keeps it so.
package awsdefault

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Load returns the SDK configuration. A non-empty endpoint means a local
// emulator: the region defaults to us-east-1 and, without AWS credentials in
// the environment, requests are signed with placeholders the emulators
// accept. Clients still need the endpoint set as their BaseEndpoint.
func Load(ctx context.Context, endpoint string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if endpoint != "" {
		region := os.Getenv("AWS_REGION")
		if region == "" {
			region = "us-east-1"
		}
		opts = append(opts, config.WithRegion(region))
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
			opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// NewDynamoDBClient returns a DynamoDB client from the default AWS
// configuration, or for a local endpoint (DynamoDB Local) one that talks to
// it (see Load).
func NewDynamoDBClient(ctx context.Context, endpoint string, optFns ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	cfg, err := Load(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("dynamodb client: %w", err)
	}
	if endpoint != "" {
		optFns = append([]func(*dynamodb.Options){func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) }}, optFns...)
	}
	return dynamodb.NewFromConfig(cfg, optFns...), nil
}
