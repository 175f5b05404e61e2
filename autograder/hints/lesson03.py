"""Lesson 03's hints: the likely bugs of a UDP multi-user chat and its client (also lesson
04 submitted over UDP), and the UDP server's words for dying or not reading.

Each names the bug in words a student can act on and the anchor of its section in
docs/common-bugs.md (sections udp-*). `UDP_SERVER` is the vocabulary the grader uses for a
UDP server that exited, stopped reading or did not start: it reads the server's stderr
(`UDP_CRASHES`, a table tested in tests/test_hints.py), because the TCP words speak of
client threads that a UDP server does not have.
"""

from __future__ import annotations

from autograder.hints.common import (
    STARTUP_ERRORS,
    ChatHints,
    Clues,
    DeliveryHints,
    ServerHints,
    first_match,
    startup_hint,
)
from autograder.i18n import Text
from autograder.source import SyntaxProblem
from autograder.verdicts import Hint

UDP_NOT_READING = Hint(
    Text(
        "Датаграмма ждёт в очереди сокета сервера, а recvfrom() её не забирает: цикл "
        "приёма остановился. Поток с recvfrom() упал (см. трассировку) или застрял "
        "(input(), блокировка, бесконечный цикл).",
        "The datagram waits in the server socket's queue and recvfrom() does not take it: "
        "the receiving loop has stopped. The thread that calls recvfrom() died (see the "
        "traceback) or is stuck (input(), a lock, an endless loop).",
    ),
    "udp-server-crash",
)


# --- hints: the likely bugs of a UDP chat (docs/common-bugs.md, sections udp-*) --------
UDP_NO_JOIN_NOTICE = Hint(
    Text(
        "Датаграмма с незнакомого адреса — это имя нового участника: запомните адрес "
        "(users[addr] = имя) и разошлите остальным уведомление с этим именем.",
        "A datagram from an unknown address is a newcomer's nickname: remember the address "
        "(users[addr] = name) and send the others a notice that contains the name.",
    ),
    "udp-join-leave",
)

UDP_NO_LEAVE_NOTICE = Hint(
    Text(
        "В UDP нет соединения, которое можно закрыть: уйти можно только датаграммой exit. "
        "Получив её, удалите адрес из словаря участников и разошлите остальным уведомление "
        "с именем ушедшего.",
        "UDP has no connection to close: a user leaves only with the datagram exit. On it, "
        "remove the address from the users dict and send the others a notice with the name.",
    ),
    "udp-join-leave",
)

UDP_EXIT_AS_MESSAGE = Hint(
    Text(
        "Датаграмма exit разослана как обычное сообщение («carol: exit»). Сравнивайте "
        'текст с "exit" (после strip()) до рассылки: это выход, а не сообщение.',
        "The datagram exit was relayed as an ordinary message ('carol: exit'). Compare the "
        'text with "exit" (after strip()) before relaying: it means leaving, not a message.',
    ),
    "udp-join-leave",
)

UDP_LEAVER_KEPT = Hint(
    Text(
        "После exit сервер всё ещё отправляет сообщения на адрес ушедшего: адрес остался "
        "в словаре участников. Удаляйте его: del users[addr] (или users.pop(addr)). Иначе "
        "сервер будет слать датаграммы в пустоту вечно.",
        "After exit the server still sends messages to the address of the one who left: "
        "the address stayed in the users dict. Remove it: del users[addr] (or "
        "users.pop(addr)). Otherwise the server sends datagrams into the void forever.",
    ),
    "udp-forget",
)

UDP_NO_BROADCAST = Hint(
    Text(
        "Каждую датаграмму участника нужно отправить (sendto) на все остальные адреса из "
        "словаря участников, кроме отправителя.",
        "Every datagram from a user must be sent (sendto) to every other address in the "
        "users dict, except the sender's.",
    ),
    "udp-broadcast",
)

UDP_NOTHING_TO_OTHERS = Hint(
    Text(
        "Этому участнику за всю проверку не пришло ни одной датаграммы: сервер ничего не "
        "отправляет другим адресам (нет рассылки, или sendto идёт на addr отправителя).",
        "This user received no datagram at all during the whole check: the server sends "
        "nothing to the other addresses (no broadcast, or sendto goes to the sender's addr).",
    ),
    "udp-broadcast",
)

UDP_NO_SENDER_NAME = Hint(
    Text(
        'Текст дошёл, но без имени автора: отправляйте f"{users[addr]}: {text}".',
        'The text arrived without the sender\'s name: send f"{users[addr]}: {text}".',
    ),
    "udp-broadcast",
)

UDP_ECHO_ONLY = Hint(
    Text(
        "Сообщение вернулось только автору: sendto(data, addr) отправляет туда, откуда "
        "пришла датаграмма. Остальным нужно отправить в цикле по адресам из словаря "
        "участников (кроме addr).",
        "The message came back to its sender only: sendto(data, addr) answers where the "
        "datagram came from. Send it to the others in a loop over the addresses in the "
        "users dict (except addr).",
    ),
    "udp-broadcast",
)

UDP_NOT_UTF8 = Hint(
    Text(
        "Латиница доходит, а кириллица и эмодзи — нет или искажёнными: сервер кодирует или "
        "декодирует не как UTF-8 ('ascii', 'latin-1', errors='ignore'; а голый except вокруг "
        "decode молча выбрасывает всю датаграмму). Используйте data.decode('utf-8', "
        "errors='replace') и text.encode('utf-8').",
        "Latin text gets through, but Cyrillic and emoji do not, or arrive mangled: the "
        "server encodes or decodes as something other than UTF-8 ('ascii', 'latin-1', "
        "errors='ignore'; and a bare except around decode silently drops the whole "
        "datagram). Use data.decode('utf-8', errors='replace') and text.encode('utf-8').",
    ),
    "udp-utf8",
)

UDP_ASCII = Hint(
    Text(
        "Сервер декодирует датаграммы как ASCII (в трассировке — 'ascii' codec) и падает "
        "на первом же байте вне ASCII: на любой русской букве или эмодзи. Текст курса — "
        "UTF-8: data.decode('utf-8', errors='replace').",
        "The server decodes datagrams as ASCII ('ascii' codec in the traceback) and dies on "
        "the first byte outside ASCII: any Cyrillic letter or emoji. The course's text is "
        "UTF-8: data.decode('utf-8', errors='replace').",
    ),
    "udp-utf8",
)

UDP_STRICT_DECODE = Hint(
    Text(
        "Строгий decode() бросил UnicodeDecodeError на датаграмме, которая не является "
        "верным UTF-8 (см. трассировку), и цикл приёма датаграмм на этом закончился: одна "
        "плохая датаграмма остановила чат для всех. Декодируйте с errors='replace' и "
        "ловите исключения вокруг обработки одной датаграммы.",
        "A strict decode() raised UnicodeDecodeError on a datagram that is not valid UTF-8 "
        "(see the traceback), and the loop that reads datagrams ended with it: one bad "
        "datagram stopped the chat for everyone. Decode with errors='replace' and catch "
        "exceptions around handling one datagram.",
    ),
    "udp-server-crash",
)

UDP_EMPTY_DATAGRAM = Hint(
    Text(
        "Сервер завершился без ошибки после пустой датаграммы: в UDP b'' из recvfrom() — "
        "это обычная пустая датаграмма, а не «клиент отключился» (как recv() в TCP). "
        "Пустые датаграммы пропускайте (continue), а не выходите из цикла (break).",
        "The server ended without an error after an empty datagram: in UDP, b'' from "
        "recvfrom() is an ordinary empty datagram, not 'the client disconnected' (as recv() "
        "is in TCP). Skip empty datagrams (continue) instead of leaving the loop (break).",
    ),
    "udp-server-crash",
)

UDP_SERVER_EXITED = Hint(
    Text(
        "У UDP-сервера один цикл recvfrom() на всех участников: исключение при обработке "
        "одной датаграммы (см. трассировку) останавливает чат для всех. Ловите исключения "
        "вокруг обработки одной датаграммы и продолжайте цикл.",
        "A UDP server has one recvfrom() loop for every user: an exception while handling "
        "one datagram (see the traceback) stops the chat for everyone. Catch exceptions "
        "around handling one datagram and go on with the loop.",
    ),
    "udp-server-crash",
)


def truncated_hint(kept: int) -> Hint:
    """A long datagram arrived cut to its first `kept` bytes: the server's recvfrom(kept)."""
    return Hint(
        Text(
            f"Длинная датаграмма дошла обрезанной до первых {kept} байт: похоже на "
            f"recvfrom({kept}), который возвращает не больше {kept} байт датаграммы, а "
            "остаток молча выбрасывает. Одна датаграмма — одно сообщение, поэтому буфер "
            "должен вмещать самую большую: recvfrom(65535).",
            f"A long datagram arrived cut to its first {kept} bytes: that looks like "
            f"recvfrom({kept}), which returns at most {kept} bytes of a datagram and silently "
            "drops the rest. One datagram is one message, so the buffer must hold the "
            "largest one: recvfrom(65535).",
        ),
        "udp-truncated",
    )


UDP_NO_LISTEN = Hint(
    Text(
        "listen() и accept() — только для TCP: у UDP-сокета нет соединений, которые можно "
        "принять («Operation not supported» в трассировке). UDP-серверу достаточно bind(), "
        "дальше — цикл recvfrom().",
        "listen() and accept() are for TCP only: a UDP socket has no connections to accept "
        "('Operation not supported' in the traceback). A UDP server needs only bind(), then "
        "a recvfrom() loop.",
    ),
    "udp-server-crash",
)

UDP_LONG_DROPPED = Hint(
    Text(
        "Длинное сообщение (60 КБ, одна датаграмма) не дошло до остальных, а короткие "
        "доходят: сервер отбрасывает длинные датаграммы или ему не хватает буфера. "
        "Принимайте recvfrom(65535) и пересылайте сообщение целиком.",
        "A long message (60 KB, one datagram) did not reach the others while short ones do: "
        "the server drops long datagrams or its buffer is too small. Receive with "
        "recvfrom(65535) and relay the whole message.",
    ),
    "udp-truncated",
)

UDP_MANY_CLIENTS = Hint(
    Text(
        "С 20 участниками сообщение дошло не до всех: сервер ограничивает число участников "
        "или помнит не все адреса (например, список фиксированной длины или только "
        "последних двух). Храните каждый новый адрес в словаре без ограничения.",
        "With 20 users the message did not reach everyone: the server caps the number of "
        "users or does not remember every address (a fixed-size list, or only the last "
        "two). Keep every new address in a dict, without a cap.",
    ),
    "udp-many-clients",
)

UDP_NO_NICKNAME = Hint(
    Text(
        "Клиент должен отправить имя первой датаграммой (sendto на адрес сервера).",
        "The client must send the nickname as its first datagram (sendto the server).",
    ),
    "udp",
)

UDP_CLIENT_NO_SEND = Hint(
    Text(
        "Каждую строку, прочитанную через input(), клиент отправляет серверу одной "
        "датаграммой: sock.sendto(line.encode('utf-8'), server).",
        "Every line read with input() goes to the server as one datagram: "
        "sock.sendto(line.encode('utf-8'), server).",
    ),
    "udp-client",
)

UDP_CLIENT_NO_RECEIVER = Hint(
    Text(
        "Пока главный поток ждёт input(), печатать входящие датаграммы может только "
        "отдельный поток: threading.Thread(target=receive_loop, daemon=True) с циклом "
        "recvfrom() → print(..., flush=True).",
        "While the main thread waits in input(), only another thread can print incoming "
        "datagrams: threading.Thread(target=receive_loop, daemon=True) looping recvfrom() "
        "→ print(..., flush=True).",
    ),
    "udp-client-thread",
)

UDP_CLIENT_NO_EXIT = Hint(
    Text(
        "По exit клиент отправляет датаграмму exit и завершается. Если процесс не "
        "заканчивается, его держит поток-получатель в recvfrom(): сделайте его daemon=True.",
        "On exit the client sends the datagram exit and ends. If the process does not end, "
        "the receiving thread blocked in recvfrom() keeps it alive: make it daemon=True.",
    ),
    "udp-client-thread",
)

UDP_CLIENT_NO_EXIT_DATAGRAM = Hint(
    Text(
        "Клиент завершился, не отправив датаграмму exit. В UDP нет соединения: сервер "
        "узнаёт об уходе только из этой датаграммы, иначе так и шлёт сообщения на ваш "
        "адрес, а остальные не видят, что вы ушли. Перед выходом — sock.sendto(b'exit', "
        "server).",
        "The client ended without sending the datagram exit. UDP has no connection: the "
        "server learns that a user left only from that datagram; without it, it keeps "
        "sending to your address and the others never hear you left. Before ending: "
        "sock.sendto(b'exit', server).",
    ),
    "udp-client-thread",
)


# Why a UDP server died or stopped reading, read from its stderr: the first row all of whose
# clues (regular expressions) are found names the bug.
NO_LISTEN_CLUES: Clues = (r"Operation not supported", r"\.(listen|accept)\(")
UDP_CRASHES: tuple[tuple[Clues, Hint], ...] = (
    (NO_LISTEN_CLUES, UDP_NO_LISTEN),
    ((r"UnicodeDecodeError", r"'ascii' codec"), UDP_ASCII),
    ((r"UnicodeDecodeError",), UDP_STRICT_DECODE),
)


def udp_startup_hint(status: int | None, stderr: str, syntax: SyntaxProblem | None = None) -> Hint:
    """Why a UDP server ended before it was bound: as for any server, and listen() or
    accept() on a UDP socket."""
    return startup_hint(status, stderr, syntax, (*STARTUP_ERRORS, (NO_LISTEN_CLUES, UDP_NO_LISTEN)))


UDP_SERVER = ServerHints(
    exited=lambda stderr: first_match(UDP_CRASHES, stderr, UDP_SERVER_EXITED),
    not_reading=lambda stderr: first_match(UDP_CRASHES, stderr, UDP_NOT_READING),
    startup=udp_startup_hint,
)

# The UDP chat's words for the scenarios of checks/chat.py (see checks/transports.py).
UDP_CHAT = ChatHints(
    delivery=DeliveryHints(UDP_NO_BROADCAST, UDP_NO_SENDER_NAME, UDP_ECHO_ONLY),
    nothing_to_others=UDP_NOTHING_TO_OTHERS,
    no_join_notice=UDP_NO_JOIN_NOTICE,
    no_leave_notice=UDP_NO_LEAVE_NOTICE,
    not_utf8=UDP_NOT_UTF8,
    many_clients=UDP_MANY_CLIENTS,
    many_clients_unread=None,
    client_no_name=UDP_NO_NICKNAME,
    client_no_send=UDP_CLIENT_NO_SEND,
    client_no_receiver=UDP_CLIENT_NO_RECEIVER,
    client_no_exit=UDP_CLIENT_NO_EXIT,
)

# --- what the wire shows, read right (issue 16) -----------------------------------------
UDP_NAME_NOT_READ = Hint(
    Text(
        "Имя пришло остальным только внутри датаграммы, которую сервер переслал как "
        "сообщение, подписав адресом («('127.0.0.1', 35980): bob»): сервер не читает имя. "
        "Первая датаграмма с нового адреса — имя: запомните его (users[addr] = name), "
        "разошлите остальным уведомление и подписывайте сообщения именем, а не адресом.",
        "The name reached the others only inside a datagram the server relayed as a "
        "message, signed with the address (\"('127.0.0.1', 35980): bob\"): the server never "
        "reads a name. The first datagram from a new address is the name: keep it "
        "(users[addr] = name), tell the others, and sign messages with the name, not the "
        "address.",
    ),
    "udp-join-leave",
)

UDP_SENDTO_AFTER_LOOP = Hint(
    Text(
        "Каждая датаграмма сервера доходит только до одного участника — последнего, кто "
        "вошёл, — а остальные не получают ничего: sendto() стоит после цикла for по "
        "адресам, а не внутри него (отступ), и отправляет только на последний адрес "
        "цикла. Сдвиньте sendto() в тело цикла.",
        "Each datagram of the server reaches one user only, the last one who joined, and "
        "the others get nothing: sendto() sits after the for loop over the addresses, not "
        "inside it (indentation), so it sends to the loop's last address only. Indent "
        "sendto() into the loop's body.",
    ),
    "udp-broadcast",
)


def udp_client_first_datagram_hint(first: str) -> Hint:
    """The client's first datagram was `first`, not the nickname as typed."""
    return Hint(
        Text(
            f"Первая датаграмма клиента — «{first}», а не имя, которое набрал пользователь "
            "(alice). Сервер курса считает именем всю первую датаграмму с нового адреса, и "
            f"пользователя звали бы «{first}». Первой отправляйте само имя: "
            "sock.sendto(name.encode(), server) — без приставок и служебных слов.",
            f"The client's first datagram is '{first}', not the nickname the user typed "
            "(alice). The course's server takes the whole first datagram from a new address "
            f"as the name, so the user would be called '{first}'. Send the name itself "
            "first: sock.sendto(name.encode(), server), with no prefix or command word.",
        ),
        "udp-client",
    )


def udp_client_prefix_hint(sent: str) -> Hint:
    """The client put its own prefix before the typed line (`sent` is the datagram)."""
    return Hint(
        Text(
            f"Клиент отправляет не набранную строку, а «{sent}»: он сам дописывает к ней "
            "подпись (имя, время). По протоколу курса имя к сообщению добавляет сервер: с "
            "таким сервером остальные увидят подпись дважды. Отправляйте строку, как её "
            "набрали: sock.sendto(line.encode(), server).",
            f"The client does not send the typed line but '{sent}': it adds its own prefix "
            "(a name, a time). In the course's protocol the server adds the name: with such a "
            "server the others see it twice. Send the line as typed: "
            "sock.sendto(line.encode(), server).",
        ),
        "udp-client",
    )
