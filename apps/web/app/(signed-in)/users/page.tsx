import type { ReactNode } from 'react';
import { api, currentViewer, isAdmin } from '../../../lib/api.ts';
import type { UserSummary } from '../../../lib/api-types.ts';
import { invalid, typed, type PageParams } from '../../../lib/form-errors.ts';
import { formatTime } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { bodyEnum } from '../../../lib/openapi.ts';
import { ConfirmForm } from '../../../components/confirm-form.tsx';
import { FieldError } from '../../../components/field-error.tsx';
import { Outcome } from '../../../components/outcome.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';
import { roleText } from '../../../lib/words.ts';

export const dynamic = 'force-dynamic';

// The API's rule (MIN_PASSWORD_LENGTH), so the browser says it before the round trip; the API checks anyway.
const MIN_PASSWORD_LENGTH = 12;

/** Who may sign in, with which role: admins add people, change roles and passwords, remove people. */
export default async function UsersPage({ searchParams }: { searchParams: Promise<PageParams> }) {
  const [params, viewer, locale] = await Promise.all([searchParams, currentViewer(), viewerLocale()]);
  if (!isAdmin(viewer)) {
    return (
      <>
        <h1>Users</h1>
        <p className="state forbidden" data-state="forbidden">
          User management is for admins: your role ({roleText(viewer.role)}) cannot see or change users.
        </p>
      </>
    );
  }
  const [result, roles] = await Promise.all([api<UserSummary[]>('/v1/users'), bodyEnum('/v1/users', 'post', 'role')]);
  const users = result.ok ? result.data.filter((user) => !user.disabled) : [];
  const removed = result.ok ? result.data.filter((user) => user.disabled) : [];
  // Only the add form is marked for a refused role: the row forms were not what was posted.
  const roleSelect = (defaultValue: string, marked = {}) =>
    roles.length > 0 ? (
      <select name="role" defaultValue={defaultValue} required {...marked}>
        {roles.map((role) => (
          <option key={role}>{role}</option>
        ))}
      </select>
    ) : (
      <input name="role" defaultValue={defaultValue} required placeholder="viewer" {...marked} />
    );
  return (
    <>
      <h1>Users</h1>
      <p className="muted small">
        Roles: viewer and finance read, oncall also acknowledges incidents and trips breakers, admin does everything. Changing a role or a
        password, or removing someone, signs them out everywhere at once.
      </p>
      <Outcome params={params} />
      {!result.ok ? (
        <ErrorState result={result} what="users" />
      ) : users.length === 0 ? (
        <EmptyState>No users yet: the admin signs in with the bootstrap key until one named admin is added.</EmptyState>
      ) : (
        <table data-testid="users">
          <thead>
            <tr>
              <th>name</th>
              <th>role</th>
              <th>added (UTC)</th>
              <th>change</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => {
              const self = user.name === viewer.name;
              return (
                <tr key={user.name} data-user={user.name} data-role={user.role}>
                  <td>
                    {user.name}
                    {self && <span className="muted small"> (you)</span>}
                  </td>
                  <td>
                    <span className="badge">{roleText(user.role)}</span>
                  </td>
                  <td className="small">{formatTime(user.created_at, locale)}</td>
                  <td>
                    <UserActions user={user} self={self} roleSelect={roleSelect} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {removed.length > 0 && (
        <p className="muted small" data-testid="removed-users">
          Removed (adding the name again brings them back): {removed.map((user) => user.name).join(', ')}
        </p>
      )}
      <h2>Add a user</h2>
      <form method="post" action="/users/act" className="filters" data-testid="new-user">
        <input type="hidden" name="op" value="create" />
        <label>
          Name
          <input
            name="name"
            required
            maxLength={64}
            pattern="[A-Za-z0-9._@\-]+"
            defaultValue={typed(params, 'name')}
            autoComplete="off"
            {...invalid(params, 'name')}
          />
          <FieldError params={params} field="name" />
        </label>
        <label>
          Role
          {roleSelect(typed(params, 'role', 'viewer'), invalid(params, 'role'))}
          <FieldError params={params} field="role" />
        </label>
        <label>
          Password ({MIN_PASSWORD_LENGTH}+ characters)
          <input
            type="password"
            name="password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            maxLength={1024}
            autoComplete="new-password"
            {...invalid(params, 'password')}
          />
          <FieldError params={params} field="password" />
        </label>
        <button type="submit" className="primary">
          Add user
        </button>
      </form>
    </>
  );
}

/** What an admin may do to one user: change the role or remove someone else, set anyone's password. */
function UserActions({ user, self, roleSelect }: { user: UserSummary; self: boolean; roleSelect: (defaultValue: string) => ReactNode }) {
  return (
    <div className="actions">
      {!self && (
        <ConfirmForm
          action="/users/act"
          label="Change role"
          confirmLabel="Change role"
          askReason={false}
          warning={`${user.name} is signed out and signs in again with the new role's rights.`}
          fields={{ op: 'role', name: user.name }}
        >
          <label>
            New role
            {roleSelect(user.role)}
          </label>
        </ConfirmForm>
      )}
      <ConfirmForm
        action="/users/act"
        label="Set password"
        confirmLabel="Set password"
        askReason={false}
        warning={
          self
            ? 'You are signed out everywhere, this page included, and sign in again with the new password.'
            : `${user.name} is signed out and signs in with the new password.`
        }
        fields={{ op: 'password', name: user.name }}
      >
        <label>
          New password ({MIN_PASSWORD_LENGTH}+ characters)
          <input type="password" name="password" required minLength={MIN_PASSWORD_LENGTH} maxLength={1024} autoComplete="new-password" />
        </label>
      </ConfirmForm>
      {!self && (
        <ConfirmForm
          action="/users/act"
          label="Remove"
          confirmLabel={`Remove ${user.name}`}
          danger
          askReason={false}
          warning={`${user.name} can no longer sign in, and is signed out now.`}
          fields={{ op: 'remove', name: user.name }}
        />
      )}
    </div>
  );
}
