// keepword's e-mail sender for EverShop: every message EverShop sends (order confirmation, shipment)
// goes over plain SMTP to the host and port written in the file named by KEEPWORD_SMTP_TARGET_FILE
// ("127.0.0.1 2525"), read again for every message so that a test can point it at a dead port
// (a mail outage) and back while the store runs. Written as plain JavaScript in dist/, which is
// what EverShop loads in production mode; nothing to compile. install-evershop.sh copies it to
// extensions/keepword_mail/dist/ in the installed project.
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { registerEmailService } from '@evershop/evershop/lib/mail/emailHelper';

function target() {
  const file = process.env.KEEPWORD_SMTP_TARGET_FILE;
  if (!file) {
    throw new Error('KEEPWORD_SMTP_TARGET_FILE is not set: no SMTP server to send to');
  }
  const [host, port] = readFileSync(file, 'utf8').trim().split(/\s+/);
  return { host, port: Number(port) };
}

export default function bootstrap() {
  registerEmailService({
    async sendEmail({ from, to, cc, subject, body }) {
      const { host, port } = target();
      const transport = nodemailer.createTransport({
        host, port, secure: false, ignoreTLS: true, name: 'evershop.keepword.test',
        connectionTimeout: 10000, greetingTimeout: 10000, socketTimeout: 30000
      });
      try {
        await transport.sendMail({ from, to, cc, subject, html: body });
      } finally {
        transport.close();
      }
    }
  });
}
