/**
 * A real SMTP server on loopback that keeps what it receives, for tests that follow emailed
 * links (verification, reset, invitation).
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedEmail {
  to: string;
  subject: string;
  text: string;
}

export interface SmtpSink {
  port: number;
  messages: ReceivedEmail[];
  /** Wait for an email to `to` whose subject matches; fails after `timeoutMs`. */
  waitFor(to: string, subject: RegExp, timeoutMs?: number): Promise<ReceivedEmail>;
  /** The first link in an email that contains `fragment`. */
  linkIn(email: ReceivedEmail, fragment: string): string;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedEmail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          for (const recipient of session.envelope.rcptTo) {
            messages.push({
              to: recipient.address.toLowerCase(),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
            });
          }
          callback();
        })
        .catch((error: unknown) => callback(error as Error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    messages,
    async waitFor(to, subject, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(
          (message) => message.to === to.toLowerCase() && subject.test(message.subject),
        );
        if (found !== undefined) return found;
        if (Date.now() > deadline)
          throw new Error(`No email to ${to} matching ${subject} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    linkIn(email, fragment) {
      const link = email.text
        .match(/https?:\/\/\S+/g)
        ?.find((candidate) => candidate.includes(fragment));
      if (link === undefined)
        throw new Error(`No link containing ${fragment} in email "${email.subject}"`);
      return link;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
