// Package awsconfig is the AWS SDK configuration of slawatch's Lambda
// functions: credentials and region from the environment Lambda sets,
// endpoints from the SDK's AWS_ENDPOINT_URL variables, and the SNS
// retryer. It must not import the SDK's config package (the default chain,
// with the STS and SSO clients whose initialisation every cold start would
// pay): the CLI and the tests load that chain with package awsdefault.
package awsconfig

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// FromEnv returns the SDK configuration from the environment variables
// Lambda sets — AWS_REGION and the function role's AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN — without the shared config
// and credential files, SSO and assume-role providers that LoadDefaultConfig
// brings in. The functions never use those, and leaving them out keeps each
// bootstrap about 2 MB smaller and its cold start shorter. Clients take
// their endpoints from Endpoint.
func FromEnv() aws.Config {
	return aws.Config{
		Region: os.Getenv("AWS_REGION"),
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))),
	}
}

// Endpoint returns the endpoint the SDK's service-specific variable names
// for a service ("DYNAMODB", "SNS", "SQS", "SSM", "SECRETS_MANAGER"):
// AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, else nil (AWS). It is
// how the tests point the functions at DynamoDB Local and the SNS/SQS
// server, with the same names LoadDefaultConfig reads.
func Endpoint(service string) *string {
	for _, name := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
		if v := os.Getenv(name); v != "" {
			return &v
		}
	}
	return nil
}

// SNSRetryer is the SDK's standard retryer that also retries SNS's
// "Throttled" error (HTTP 429), which the standard one does not count as
// throttling: without it a throttled alert waits a whole claim lease (a
// minute) for the checker's next run.
func SNSRetryer() aws.Retryer {
	return retry.AddWithErrorCodes(retry.NewStandard(), "Throttled")
}
