import { FIELD_ERROR_PARAM, reasonsFor, type PageParams } from '../lib/form-errors.ts';

/** What the API said is wrong with this field on the last post, beside the field itself. */
export function FieldError({ params, field }: { params: PageParams; field: string }) {
  const reasons = reasonsFor(params[FIELD_ERROR_PARAM], field);
  if (reasons.length === 0) return null;
  return (
    <span className="field-error" role="alert" data-field-error={field}>
      {reasons.join('; ')}
    </span>
  );
}
