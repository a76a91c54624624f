/*
 * ps_error.h
 *	  Status codes of the pure C core.
 *
 * Every core function returns an int status: PS_OK (0) on success, a
 * negative PS_ERR_* code otherwise.  Codes are grouped by the class of
 * SQL error the glue raises for them (ps_error_class); the glue owns the
 * mapping to SQLSTATEs, the core only says what went wrong.
 *
 * Codes are stable: new ones are appended, never renumbered.
 */
#ifndef PS_ERROR_H
#define PS_ERROR_H

#define PS_OK						0

/* text that is not what it claims to be (22P02) */
#define PS_ERR_BASE58_CHAR			(-1)	/* character outside the alphabet */
#define PS_ERR_BASE64				(-2)	/* not RFC 4648 base64 with padding */
#define PS_ERR_HEX					(-3)	/* not hex */
#define PS_ERR_SYNTAX				(-4)	/* other malformed literal */

/* lengths (22026) */
#define PS_ERR_LENGTH				(-10)	/* wrong byte length for a key */

/* binary data that does not decode (22P03) */
#define PS_ERR_TRUNCATED			(-20)	/* data ends inside a value */
#define PS_ERR_TRAILING				(-21)	/* bytes left after a complete value */
#define PS_ERR_UNKNOWN_DISC			(-22)	/* no event/account/ix has this discriminator */
#define PS_ERR_UTF8					(-23)	/* string is not strict UTF-8 */
#define PS_ERR_ENUM_TAG				(-24)	/* enum variant index out of range */
#define PS_ERR_BOOL					(-25)	/* bool byte other than 0 or 1 */
#define PS_ERR_OPTION_TAG			(-26)	/* option tag other than 0 or 1 */
#define PS_ERR_LENGTH_EXCEEDS		(-27)	/* length prefix beyond the data */
#define PS_ERR_DISC_MISMATCH		(-28)	/* data is not of the requested type */
#define PS_ERR_BAD_DATA				(-29)	/* other malformed binary input */

/* numbers (22003) */
#define PS_ERR_RANGE				(-40)	/* integer too wide for its use */

/* arguments and IDLs (22023) */
#define PS_ERR_ARG					(-50)	/* malformed argument */
#define PS_ERR_IDL					(-51)	/* malformed IDL */
#define PS_ERR_ON_CURVE				(-52)	/* derived address is on the curve */
#define PS_ERR_NO_BUMP				(-53)	/* no bump seed gives an off-curve address */
#define PS_ERR_JSON					(-54)	/* malformed JSON */
#define PS_ERR_SIGNATURE			(-55)	/* signature does not verify */

/* not supported (0A000) */
#define PS_ERR_UNSUPPORTED			(-60)

/* limits (54000) */
#define PS_ERR_LIMIT				(-70)	/* size or depth limit exceeded */
#define PS_ERR_TOO_LARGE			(-71)	/* transaction over 1232 bytes */

/* resources (53200) and states that cannot happen (XX000) */
#define PS_ERR_NOMEM				(-80)
#define PS_ERR_INTERNAL				(-81)

/*
 * Classes of error, one per SQLSTATE the glue raises for core codes.
 */
typedef enum ps_error_class_t
{
	PS_CLASS_OK = 0,
	PS_CLASS_TEXT,				/* 22P02 invalid_text_representation */
	PS_CLASS_LENGTH,			/* 22026 string_data_length_mismatch */
	PS_CLASS_BINARY,			/* 22P03 invalid_binary_representation */
	PS_CLASS_RANGE,				/* 22003 numeric_value_out_of_range */
	PS_CLASS_ARGUMENT,			/* 22023 invalid_parameter_value */
	PS_CLASS_UNSUPPORTED,		/* 0A000 feature_not_supported */
	PS_CLASS_LIMIT,				/* 54000 program_limit_exceeded */
	PS_CLASS_RESOURCE,			/* 53200 out_of_memory */
	PS_CLASS_INTERNAL			/* XX000 internal_error */
} ps_error_class_t;

/*
 * ps_strerror returns a fixed lowercase phrase for a status code, such
 * as "data ends inside a value"; never NULL.
 */
extern const char *ps_strerror(int status);

/*
 * ps_error_class returns the class of SQL error a status belongs to.
 */
extern ps_error_class_t ps_error_class(int status);

#endif							/* PS_ERROR_H */
