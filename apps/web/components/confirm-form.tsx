'use client';

import { useState } from 'react';

/**
 * A consequential action (trip, reset, resolve) behind a second step: the first button only opens
 * the form, which asks for the reason that goes into the audit log, and names what will happen.
 */
export function ConfirmForm({ action, label, confirmLabel, warning, fields, danger = false, reasonName = 'reason', reasonRequired = true }: {
  action: string;
  label: string;
  confirmLabel: string;
  warning: string;
  fields: Record<string, string>;
  danger?: boolean;
  reasonName?: string;
  reasonRequired?: boolean;
}) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button type="button" className={danger ? 'danger' : ''} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  }
  return (
    <form method="post" action={action} className="confirm" role="dialog" aria-label={label}>
      <p>{warning}</p>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <label>
        Reason (goes into the audit log)
        <input name={reasonName} required={reasonRequired} maxLength={500} autoFocus />
      </label>
      <button type="submit" className={danger ? 'danger' : ''}>
        {confirmLabel}
      </button>
      <button type="button" className="link" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
