import type { Metadata } from 'next';
import './globals.css';

export const metadata: Metadata = { title: 'Tollgate', description: 'SMS pumping and OTP abuse: alerts, spend, traffic and breakers' };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
