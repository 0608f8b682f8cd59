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

/**
 * What a notification email says, in general words only: the in-app notification behind the link
 * carries the detail, and only to someone signed in who may see it.
 */
export type NotificationEmailTone = 'news' | 'action' | 'deadline' | 'overdue';

export function notificationMessage(
  locale: MailLocale,
  tone: NotificationEmailTone,
  url: string,
): RenderedEmail {
  const spanish: Record<NotificationEmailTone, [string, string]> = {
    news: [
      'Hay novedades en su caso de segunda opinión',
      'Hay novedades en un caso de segunda opinión en Consilium. Inicie sesión para verlas.',
    ],
    action: [
      'Un caso espera su respuesta',
      'Un caso de segunda opinión en Consilium espera su respuesta. Inicie sesión para verlo.',
    ],
    deadline: [
      'Un plazo vence pronto',
      'Un plazo de un caso de segunda opinión en Consilium vence pronto. Inicie sesión para verlo.',
    ],
    overdue: [
      'Un caso superó su plazo',
      'Una etapa de un caso de segunda opinión en Consilium superó su plazo. Inicie sesión para verlo.',
    ],
  };
  const english: Record<NotificationEmailTone, [string, string]> = {
    news: [
      'There is news on your second-opinion case',
      'There is news on a second-opinion case in Consilium. Sign in to see it.',
    ],
    action: [
      'A case is waiting for your decision',
      'A second-opinion case in Consilium is waiting for your decision. Sign in to see it.',
    ],
    deadline: [
      'A deadline is approaching',
      'A deadline on a second-opinion case in Consilium is approaching. Sign in to see it.',
    ],
    overdue: [
      'A case is past its deadline',
      'A stage of a second-opinion case in Consilium is past its deadline. Sign in to see it.',
    ],
  };
  const [subject, body] = (locale === 'es' ? spanish : english)[tone];
  return render(subject, [body], {
    url,
    label: locale === 'es' ? 'Abrir en Consilium' : 'Open in Consilium',
  });
}

/**
 * A patient invites someone to help them as their proxy (caregiver). The patient's name is not in
 * the email (a mistyped address must learn nothing about the patient); the page behind the link
 * shows who is asking.
 */
export function proxyInvitationMessage(
  locale: MailLocale,
  organizationName: string,
  url: string,
): RenderedEmail {
  return locale === 'es'
    ? render(
        `Le invitaron a ayudar a una persona en ${organizationName}`,
        [
          `Una persona que pidió una segunda opinión médica en ${organizationName} le invitó a ayudarle con su solicitud en Consilium. Abra el enlace para ver quién le invita y qué podrá hacer. El enlace caduca en 7 días.`,
          'Si no conoce a esta persona, ignore este mensaje.',
        ],
        { url, label: 'Ver la invitación' },
      )
    : render(
        `You are invited to help someone at ${organizationName}`,
        [
          `Someone who asked ${organizationName} for a second medical opinion has invited you to help them with their request on Consilium. Open the link to see who is asking and what you will be able to do. The link expires in 7 days.`,
          'If you do not know this person, you can ignore this message.',
        ],
        { url, label: 'See the invitation' },
      );
}

/**
 * A referring physician started a second-opinion request for the patient, who confirms it and
 * gives consent. Names the physician (who sent the patient here), never the patient's condition.
 */
export function referredPatientInvitationMessage(
  locale: MailLocale,
  organizationName: string,
  physicianName: string,
  url: string,
): RenderedEmail {
  return locale === 'es'
    ? render(
        `${physicianName} inició una solicitud de segunda opinión para usted`,
        [
          `${physicianName} inició una solicitud de segunda opinión médica para usted en ${organizationName}.`,
          'Cree su cuenta con el enlace para revisar la solicitud, confirmarla y dar su consentimiento. Nada se envía a los especialistas sin su consentimiento. El enlace caduca en 7 días.',
        ],
        { url, label: 'Confirmar mi solicitud' },
      )
    : render(
        `${physicianName} started a second-opinion request for you`,
        [
          `${physicianName} started a request for a second medical opinion for you at ${organizationName}.`,
          'Create your account with the link to review the request, confirm it and give your consent. Nothing goes to the specialists without your consent. The link expires in 7 days.',
        ],
        { url, label: 'Confirm my request' },
      );
}
