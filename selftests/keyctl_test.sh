#!/bin/bash
# The m2mvault key type through the keyctl command, as an operator uses it.
. "$(dirname "$0")/lib.sh"

key32() { head -c 32 /dev/urandom; }

# Everything below runs in a fresh session keyring.
if [ -z "${M2MV_IN_SESSION:-}" ]; then
	M2MV_IN_SESSION=1 keyctl session - "$0" "$@" | grep -v '^Joined session'
	exit "${PIPESTATUS[0]}"
fi
plan 8

id=$(key32 | keyctl padd m2mvault 15-abc@tef.example @s 2>&1)
if [[ "$id" =~ ^[0-9]+$ ]]; then ok "padd with 32 bytes"; else
	not_ok "padd with 32 bytes: $id"; fi
refuse "keyctl read fails" keyctl read "$id"
refuse "keyctl print fails" keyctl print "$id"
refuse "keyctl pipe fails" keyctl pipe "$id"
check "keyctl show lists it" bash -c "keyctl show @s | grep -q 'm2mvault: 15-abc@tef.example'"
refuse "31-byte payload refused" bash -c 'head -c 31 /dev/urandom | keyctl padd m2mvault 15-abc@tef.example @s'
refuse "33-byte payload refused" bash -c 'head -c 33 /dev/urandom | keyctl padd m2mvault 15-abc@tef.example @s'
refuse "bad description refused" bash -c 'head -c 32 /dev/urandom | keyctl padd m2mvault abc @s'
done_testing
