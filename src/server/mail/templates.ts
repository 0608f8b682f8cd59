/**
 * The emails Consilium sends, in the recipient's language (English and Spanish). Emails carry
 * links and no patient data.
 */

export type MailLocale = 'en' | 'es';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function render(
  subject: string,
  paragraphs: string[],
  link?: { url: string; label: string },
): RenderedEmail {
  const text = [...paragraphs, ...(link === undefined ? [] : [`${link.label}: ${link.url}`])].join(
    '\n\n',
  );
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    ...paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    ...(link === undefined
      ? []
      : [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`]),
    '</body></html>',
  ].join('');
  return { subject, text, html };
}

export function toMailLocale(locale: string): MailLocale {
  return locale.startsWith('es') ? 'es' : 'en';
}

export function verifyEmailMessage(locale: MailLocale, name: string, url: string): RenderedEmail {
  return locale === 'es'
    ? render(
        'Confirme su correo electrónico para Consilium',
        [
          `Hola ${name}:`,
          'Confirme su dirección de correo para activar su cuenta. El enlace caduca en 24 horas.',
        ],
        { url, label: 'Confirmar correo' },
      )
    : render(
        'Confirm your email for Consilium',
        [
          `Hello ${name},`,
          'Confirm your email address to activate your account. The link expires in 24 hours.',
        ],
        { url, label: 'Confirm email' },
      );
}

export function existingAccountMessage(locale: MailLocale, url: string): RenderedEmail {
  return locale === 'es'
    ? render(
        'Ya tiene una cuenta en Consilium',
        [
          'Alguien intentó crear una cuenta con este correo, que ya tiene una. Si fue usted, inicie sesión o restablezca su contraseña. Si no, ignore este mensaje.',
        ],
        { url, label: 'Iniciar sesión' },
      )
    : render(
        'You already have a Consilium account',
        [
          'Someone tried to create an account with this email address, which already has one. If it was you, sign in or reset your password. If not, you can ignore this message.',
        ],
        { url, label: 'Sign in' },
      );
}

export function passwordResetMessage(locale: MailLocale, url: string): RenderedEmail {
  return locale === 'es'
    ? render(
        'Restablecer su contraseña de Consilium',
        [
          'Recibimos una solicitud para restablecer su contraseña. El enlace caduca en 1 hora. Si no la pidió, ignore este mensaje.',
        ],
        { url, label: 'Elegir una contraseña nueva' },
      )
    : render(
        'Reset your Consilium password',
        [
          'We received a request to reset your password. The link expires in 1 hour. If you did not ask for it, you can ignore this message.',
        ],
        { url, label: 'Choose a new password' },
      );
}

export function confirmEmailChangeMessage(locale: MailLocale, url: string): RenderedEmail {
  return locale === 'es'
    ? render(
        'Confirme su nueva dirección de correo',
        [
          'Confirme que esta es su nueva dirección de correo para Consilium. El enlace caduca en 24 horas.',
        ],
        { url, label: 'Confirmar la dirección' },
      )
    : render(
        'Confirm your new email address',
        [
          'Confirm that this is your new email address for Consilium. The link expires in 24 hours.',
        ],
        { url, label: 'Confirm the address' },
      );
}

export function emailChangedMessage(locale: MailLocale): RenderedEmail {
  return locale === 'es'
    ? render('Su correo de Consilium cambió', [
        'La dirección de correo de su cuenta de Consilium se cambió. Si no fue usted, contacte a su organización de inmediato.',
      ])
    : render('Your Consilium email address changed', [
        'The email address of your Consilium account was changed. If this was not you, contact your organization at once.',
      ]);
}

export function invitationMessage(
  locale: MailLocale,
  organizationName: string,
  role: string,
  url: string,
): RenderedEmail {
  return locale === 'es'
    ? render(
        `Invitación a ${organizationName} en Consilium`,
        [
          `Le invitaron a unirse a ${organizationName} con el rol ${role}. El enlace caduca en 7 días.`,
        ],
        { url, label: 'Aceptar la invitación' },
      )
    : render(
        `You are invited to ${organizationName} on Consilium`,
        [
          `You have been invited to join ${organizationName} as ${role.replace(/_/g, ' ')}. The link expires in 7 days.`,
        ],
        { url, label: 'Accept the invitation' },
      );
}
