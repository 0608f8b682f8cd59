/**
 * The one error handler: every failure leaves as `{ error: { code, message, details? } }` with
 * its catalogue status. Validation, JSON, size and media-type errors from Fastify map to stable
 * codes; anything unexpected is logged and answered as `internal_error` without internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, isAppError } from '../../core/errors.ts';

function toAppError(error: FastifyError): AppError {
  if (isAppError(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    return new AppError('validation_failed', {
      details: {
        issues: error.validation.map((issue) => ({
          path: `${error.validationContext ?? 'body'}${issue.instancePath.replace(/\//g, '.')}`,
          message: issue.message ?? 'invalid',
        })),
      },
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('invalid_json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type');
    case 'FST_ERR_VALIDATION':
      return new AppError('validation_failed');
    default:
      break;
  }
  if (error instanceof SyntaxError || error.statusCode === 400) return new AppError('invalid_json');
  if (error.statusCode === 413) return new AppError('payload_too_large');
  if (error.statusCode === 415) return new AppError('unsupported_media_type');
  if (error.statusCode === 429) return new AppError('rate_limited');
  return new AppError('internal_error', { cause: error });
}

export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const appError = toAppError(error);
  if (appError.status >= 500) {
    request.log.error({ err: error }, 'request failed');
  } else if (appError.cause !== undefined) {
    request.log.info({ code: appError.code, err: appError.cause }, 'request refused');
  }
  void reply
    .code(appError.status)
    .headers({ ...appError.headers, 'cache-control': 'no-store' })
    .type('application/json; charset=utf-8')
    .send(appError.toBody());
}
