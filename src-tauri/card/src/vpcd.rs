//! A virtual card for the vsmartcard project's vpcd reader driver, so tests
//! run the real pcscd. The card is the TCP client of vpcd (port 35963 for the
//! reader's first slot, 35964 for the second); connecting inserts it, closing
//! removes it. Every frame both ways is a big-endian u16 length and bytes; a
//! one-byte frame from vpcd is a control code (power off, power on, reset,
//! get ATR), a longer one a command APDU answered with data ‖ SW1 SW2.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use socket2::SockRef;

use crate::applet::Applet;

/// vpcd's port for the reader's first slot; slot `n` is this plus `n`.
pub const VPCD_PORT: u16 = 35963;

const POWER_OFF: u8 = 0x00;
const POWER_ON: u8 = 0x01;
const RESET: u8 = 0x02;
const GET_ATR: u8 = 0x04;

/// A card in a vpcd slot. Dropping it (or [`VirtualCard::remove`]) takes it out.
pub struct VirtualCard {
    stream: TcpStream,
    thread: Option<JoinHandle<()>>,
    /// How many APDUs the card answered.
    answered: Arc<Mutex<u64>>,
}

impl VirtualCard {
    /// Puts a card running `applet` into slot `slot` of the vpcd reader.
    pub fn insert(slot: u16, mut applet: Box<dyn Applet>) -> io::Result<VirtualCard> {
        let stream = TcpStream::connect(("127.0.0.1", VPCD_PORT + slot))?;
        stream.set_nodelay(true)?;
        let reader = stream.try_clone()?;
        let answered = Arc::new(Mutex::new(0));
        let count = answered.clone();
        let thread = std::thread::Builder::new()
            .name(format!("vpcd-card-{slot}"))
            .spawn(move || {
                if let Err(e) = serve(reader, applet.as_mut(), &count) {
                    tracing::debug!(error = %e, "virtual card out of the field");
                }
            })?;
        Ok(VirtualCard {
            stream,
            thread: Some(thread),
            answered,
        })
    }

    pub fn answered(&self) -> u64 {
        *self.answered.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the card out of the field.
    pub fn remove(mut self) {
        self.take_out();
    }

    fn take_out(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for VirtualCard {
    fn drop(&mut self) {
        self.take_out();
    }
}

fn read_frame(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    // vpcd writes the length and the data apart; without QUICKACK every
    // APDU waits for a delayed ACK (~40 ms).
    let _ = SockRef::from(&*stream).set_tcp_quickack(true);
    let mut len = [0u8; 2];
    stream.read_exact(&mut len)?;
    let mut frame = vec![0u8; usize::from(u16::from_be_bytes(len))];
    let _ = SockRef::from(&*stream).set_tcp_quickack(true);
    stream.read_exact(&mut frame)?;
    Ok(frame)
}

fn write_frame(stream: &mut TcpStream, data: &[u8]) -> io::Result<()> {
    let len = u16::try_from(data.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too long"))?;
    let mut frame = len.to_be_bytes().to_vec();
    frame.extend_from_slice(data);
    stream.write_all(&frame)
}

fn serve(mut stream: TcpStream, applet: &mut dyn Applet, answered: &Mutex<u64>) -> io::Result<()> {
    loop {
        let frame = read_frame(&mut stream)?;
        match frame.as_slice() {
            [POWER_OFF] | [POWER_ON] | [RESET] => applet.reset(),
            [GET_ATR] => write_frame(&mut stream, &applet.atr())?,
            [_] => {} // an unknown control code: ignore it
            apdu => match applet.process(apdu) {
                Some(answer) => {
                    write_frame(&mut stream, &answer)?;
                    *answered.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                }
                None => {
                    // Pulled out of the field mid-transaction: no answer.
                    let _ = stream.shutdown(Shutdown::Both);
                    return Ok(());
                }
            },
        }
    }
}
