/*
 * ps_error.c
 *	  Phrases and classes of the core's status codes.
 */
#include "ps_error.h"

const char *
ps_strerror(int status)
{
	switch (status)
	{
		case PS_OK:
			return "success";
		case PS_ERR_BASE58_CHAR:
			return "character outside the base58 alphabet";
		case PS_ERR_BASE64:
			return "invalid base64";
		case PS_ERR_HEX:
			return "invalid hexadecimal";
		case PS_ERR_SYNTAX:
			return "invalid syntax";
		case PS_ERR_LENGTH:
			return "wrong length";
		case PS_ERR_TRUNCATED:
			return "data ends inside a value";
		case PS_ERR_TRAILING:
			return "bytes left after a complete value";
		case PS_ERR_UNKNOWN_DISC:
			return "unknown discriminator";
		case PS_ERR_UTF8:
			return "string is not valid UTF-8";
		case PS_ERR_ENUM_TAG:
			return "enum variant index out of range";
		case PS_ERR_BOOL:
			return "bool byte is neither 0 nor 1";
		case PS_ERR_OPTION_TAG:
			return "option tag is neither 0 nor 1";
		case PS_ERR_LENGTH_EXCEEDS:
			return "length prefix exceeds the remaining data";
		case PS_ERR_DISC_MISMATCH:
			return "discriminator does not match the type";
		case PS_ERR_BAD_DATA:
			return "malformed binary data";
		case PS_ERR_RANGE:
			return "integer out of range";
		case PS_ERR_ARG:
			return "invalid argument";
		case PS_ERR_IDL:
			return "invalid IDL";
		case PS_ERR_ON_CURVE:
			return "address is on the ed25519 curve";
		case PS_ERR_NO_BUMP:
			return "no bump seed gives an address off the curve";
		case PS_ERR_JSON:
			return "malformed JSON";
		case PS_ERR_SIGNATURE:
			return "signature verification failed";
		case PS_ERR_UNSUPPORTED:
			return "not supported";
		case PS_ERR_LIMIT:
			return "limit exceeded";
		case PS_ERR_TOO_LARGE:
			return "transaction too large";
		case PS_ERR_NOMEM:
			return "out of memory";
		case PS_ERR_INTERNAL:
			return "internal error";
	}
	return "unknown error";
}

ps_error_class_t
ps_error_class(int status)
{
	if (status == PS_OK)
		return PS_CLASS_OK;
	if (status <= PS_ERR_BASE58_CHAR && status > PS_ERR_LENGTH)
		return PS_CLASS_TEXT;
	if (status == PS_ERR_LENGTH)
		return PS_CLASS_LENGTH;
	if (status <= PS_ERR_TRUNCATED && status > PS_ERR_RANGE)
		return PS_CLASS_BINARY;
	if (status == PS_ERR_RANGE)
		return PS_CLASS_RANGE;
	if (status <= PS_ERR_ARG && status > PS_ERR_UNSUPPORTED)
		return PS_CLASS_ARGUMENT;
	if (status == PS_ERR_UNSUPPORTED)
		return PS_CLASS_UNSUPPORTED;
	if (status <= PS_ERR_LIMIT && status > PS_ERR_NOMEM)
		return PS_CLASS_LIMIT;
	if (status == PS_ERR_NOMEM)
		return PS_CLASS_RESOURCE;
	return PS_CLASS_INTERNAL;
}
