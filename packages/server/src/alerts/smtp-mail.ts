import nodemailer from 'nodemailer';
import type { AlertsConfig } from './alerts-config.js';
import type { SendMail } from './alert-channels.js';
import { resolveSecret, type SecretSources } from './secret-ref.js';

/**
 * `SendMail` over SMTP with nodemailer: the server's SMTP settings, the password resolved from
 * its reference at each mail (a rotated secret is used without a restart). STARTTLS is used when
 * the server offers it; `secure` is TLS from the first byte (port 465).
 */
export function smtpSendMail(email: NonNullable<AlertsConfig['email']>, secrets: SecretSources): SendMail {
  return async (m) => {
    const { host, port, secure, user, password } = email.smtp;
    const auth = user === undefined ? {} : { auth: { user, pass: password === undefined ? '' : resolveSecret(password, secrets) } };
    const transport = nodemailer.createTransport({ host, port, secure, ...auth });
    try {
      await transport.sendMail({ from: m.from, to: m.to, subject: m.subject, text: m.text });
    } finally {
      transport.close();
    }
  };
}
