'use client';

import { useState } from 'react';

/**
 * A consequential action (trip, reset, resolve, reassign, remove) behind a second step: the first
 * button only opens the form, which names what will happen and asks for the reason that goes into
 * the audit log (`askReason={false}` where the API keeps none). `children` are the action's own
 * fields (the new owner, the new password).
 */
export function ConfirmForm({
  action,
  label,
  confirmLabel,
  warning,
  fields,
  danger = false,
  reasonName = 'reason',
  reasonRequired = true,
  askReason = true,
  children,
}: {
  action: string;
  label: string;
  confirmLabel: string;
  warning: string;
  fields: Record<string, string>;
  danger?: boolean;
  reasonName?: string;
  reasonRequired?: boolean;
  askReason?: boolean;
  children?: React.ReactNode;
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
      {children}
      {askReason && (
        <label>
          Reason (goes into the audit log)
          <input name={reasonName} required={reasonRequired} maxLength={500} autoFocus />
        </label>
      )}
      <button type="submit" className={danger ? 'danger' : ''}>
        {confirmLabel}
      </button>
      <button type="button" className="link" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
