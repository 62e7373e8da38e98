// Package awsconfig loads the AWS SDK configuration the same way for every
// client slawatch makes: the default chain in AWS, and for a local emulator
// endpoint (DynamoDB Local, fauxqs, goaws) a region and placeholder
// credentials when none are configured.
package awsconfig

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
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
