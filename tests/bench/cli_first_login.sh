#!/bin/sh
# SPDX-License-Identifier: MIT
# The first login of aws-iam-provision done the way an admin would script it with the Debian
# AWS CLI: the same IAM calls with the same parameters, one `aws` process per call, in order,
# then the key written into ~/.aws/credentials by hand (umask 077, temp file, rename). The
# bench (tests/bench/bench.py) times it against the local endpoint to give the helper's ratio.
#
# Environment (all required):
#   ENDPOINT REGION   the endpoint's URL and region
#   ADMIN_CREDS       shared-credentials file of the admin identity ([default])
#   IAM_USER GROUP POLICY_ARN HOST   what to create, as the helper's config would say
#   PERSON_HOME       the person's home (gets .aws/credentials)
# Exit status: 0 when the key is on disk, 1 when a step failed (its error on stderr).
set -eu
: "${ENDPOINT:?}" "${REGION:?}" "${ADMIN_CREDS:?}" "${IAM_USER:?}" "${GROUP:?}"
: "${POLICY_ARN:?}" "${HOST:?}" "${PERSON_HOME:?}"

export AWS_SHARED_CREDENTIALS_FILE="$ADMIN_CREDS" AWS_CONFIG_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER="" AWS_MAX_ATTEMPTS=3 AWS_RETRY_MODE=standard
export HOME="$PERSON_HOME"
aws() { /usr/bin/aws --endpoint-url "$ENDPOINT" --region "$REGION" "$@"; }

if aws iam get-user --user-name "$IAM_USER" >/dev/null 2>&1; then
	echo "cli_first_login: IAM user $IAM_USER already exists" >&2
	exit 1
fi
aws iam create-user --user-name "$IAM_USER" --path / \
	--tags Key=pam-aws-iam:managed,Value=true >/dev/null
aws iam add-user-to-group --user-name "$IAM_USER" --group-name "$GROUP"
aws iam attach-user-policy --user-name "$IAM_USER" --policy-arn "$POLICY_ARN"
aws iam list-account-aliases --output text >/dev/null
key=$(aws iam create-access-key --user-name "$IAM_USER" --output text \
	--query 'AccessKey.[AccessKeyId,SecretAccessKey]')
id=${key%%	*}
secret=${key#*	}
aws iam tag-user --user-name "$IAM_USER" \
	--tags "Key=pam-aws-iam:key:$id,Value=$HOST $(date -u +%Y-%m-%dT%H:%M:%SZ)"

umask 077
mkdir -p "$PERSON_HOME/.aws"
tmp=$(mktemp "$PERSON_HOME/.aws/credentials.XXXXXX")
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$id" "$secret" >"$tmp"
mv "$tmp" "$PERSON_HOME/.aws/credentials"
